"""서울시 독거노인 현황 (연령별/동별), data.seoul.go.kr/dataList/10176 (korean-public-data.md §8.2) [P].

A KOSIS wide CSV (`독거노인+현황(연령별_동별)_YYYYMMDDhhmmss.csv`, CP949): `동별(1..3)`, then per year
12 value columns, item rows 자격 (합계 / 국민기초생활수급권자 / 저소득 / 일반) × 연령 (소계 / 65~79세 /
80세이상). The exact item labels are not confirmed [I], so they pass through as printed; the level
whose labels carry '세' is the age, the other the qualification (by position if neither tells). A long
download (`동별, 자격별, 연령별, 2024 년`) reads the same way.

Output: one row per area × period × 자격 × 연령, measure 독거노인수 (see transforms/welfare/kosis.py
for the area columns, subtotals and `_row_number`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.welfare.kosis import AREA_COLUMNS, Dimension, ParseError, long_records, read_kosis, to_frame
from transforms.source import Source

SOURCE_ID = "welfare_elderly_alone_stats"

MEASURE = "독거노인수"
COLUMNS = (*AREA_COLUMNS, "qualification", "age_group", "measure", "value")

DIMENSIONS = (
    Dimension(
        "qualification",
        frozenset({"자격별", "자격구분", "자격", "수급자격별", "소득구분별", "구분별"}),
        lambda labels: any(k in label for label in labels for k in ("수급", "저소득", "일반")),
        "합계",
    ),
    Dimension(
        "age_group",
        frozenset({"연령별", "연령", "연령대별"}),
        lambda labels: any("세" in label for label in labels),
        "소계",
    ),
)


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name` (a KOSIS CSV)."""
    if Path(name).suffix.lower() != ".csv":
        raise ParseError(f"{name}: welfare_elderly_alone_stats accepts a KOSIS .csv download")
    return to_frame(long_records(read_kosis(path, name), DIMENSIONS, MEASURE), COLUMNS)


SOURCE = Source(
    SOURCE_ID,
    ("서울시 독거노인 현황(연령별/동별) KOSIS CSV, multi-row headers, CP949 or UTF-8",),
    (".csv",),
    parse,
)
