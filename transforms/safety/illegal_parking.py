"""서울특별시 강서구_불법주정차 단속 현황 (korean-public-data.md §4.2): a per-gu CSV, CP949.

Only 행정동명 and ' 단속건수 ' (spaces inside the header; read_extract_csv strips them) are confirmed, so
the loader relies on those two and lets any other column through as unmapped. It derives the normalised
dong name, its 10-digit 행정동 code (current 강서구 dongs only, never guessed), the 합계 flag, and the
reference date from a 데이터기준일자 column or, failing that, the file name (…_20201231.csv).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.geography import adong_code, normalise_dong_name
from transforms.records import ROW_NUMBER, ParseError, read_extract_csv
from transforms.safety.public_data import clean, source_field
from transforms.source import Source

SOURCE_ID = "illegal_parking_enforcement"
TOTAL_LABELS = ("합계", "계", "소계", "총계")
_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_name(name: str) -> str | None:
    match = _NAME_DATE.search(Path(name).stem)
    return "-".join(match.groups()) if match else None


def parse(path: Path, name: str) -> pl.DataFrame:
    frame = read_extract_csv(path, name, SOURCE_ID)
    table = get_contract(SOURCE_ID).table
    dong, count = source_field(frame, table, "dong_name_source"), source_field(frame, table, "enforcement_count")
    if dong is None or count is None:
        found = ", ".join(c for c in frame.columns if c != ROW_NUMBER)
        raise ParseError(f"{name}: expected 행정동명 and 단속건수 columns (header: {found})")
    derived = []
    if source_field(frame, table, "reference_date") is None:
        day = date_from_name(name)
        if day is None:
            raise ParseError(f"{name}: no reference date: neither a 데이터기준일자 column nor a date in the file name (…_YYYYMMDD.csv)")
        derived.append(pl.lit(day).alias("reference_date"))
    normalised = clean(dong).map_elements(normalise_dong_name, return_dtype=pl.String)
    total = normalised.is_in(TOTAL_LABELS)
    return frame.with_columns(
        *derived,
        pl.when(total).then(pl.lit("합계")).otherwise(normalised).alias("dong_name"),
        normalised.map_elements(adong_code, return_dtype=pl.String).alias("adong_code"),
        pl.when(total).then(pl.lit("true")).otherwise(pl.lit("false")).alias("is_total"),
    )


SOURCE = Source(
    SOURCE_ID,
    ("서울특별시 강서구_불법주정차 단속 현황 CSV (CP949, header ' 단속건수 ', date in the file name)",),
    (".csv",),
    parse,
)
