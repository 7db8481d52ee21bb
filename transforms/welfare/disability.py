"""서울시 장애인 현황 (장애유형별/동별), OA-12384 / stat 10580 (korean-public-data.md §8.3) [P].

Two KOSIS downloads of the same table, the user picks one:

* long: `동별, 장애유형별, 성별, "2025 년"`, one row per 동 × 유형 × 성별; the single 동별 column holds
  합계, then each 자치구 followed by its 동 (the 자치구 row sets the context of the 동 rows);
* wide: `동별(1),동별(2),동별(3),2024,2024,…` with an item row of 유형 (합계, 지체, …), optionally a
  second item row of 성별 (계/남/여); without one, 성별 is 계.

Labels are canonicalised so both layouts meet: 유형 without the 장애 suffix (지체장애 → 지체, 장루요루 /
장루.요루 → 장루·요루, 간질 → 뇌전증, 계/소계 → 합계), 성별 계/남/여 (남자 → 남, 합계 → 계). The 15 types
follow the 장애인복지법 list [I]; an unknown type is quarantined by the contract's code list.

Output: one row per area × period × 유형 × 성별, measure 등록장애인수, and `source_layout` long | wide.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.welfare.kosis import AREA_COLUMNS, Dimension, ParseError, compact, long_records, read_kosis, to_frame
from transforms.source import Source

SOURCE_ID = "welfare_disability_stats"

MEASURE = "등록장애인수"
COLUMNS = (*AREA_COLUMNS, "disability_type", "sex", "source_layout", "measure", "value")
TYPES = ("합계", "지체", "뇌병변", "시각", "청각", "언어", "지적", "자폐성", "정신", "신장", "심장", "호흡기", "간",
         "안면", "장루·요루", "뇌전증")
_DOTS = re.compile(r"[.ㆍ・·/,]")


def canonical_type(label: str) -> str:
    text = _DOTS.sub("·", compact(label))
    if text in ("계", "소계", "총계", "전체"):
        return "합계"
    if text.endswith("장애") and len(text) > 2:
        text = text[:-2]
    return {"장루요루": "장루·요루", "간질": "뇌전증"}.get(text, text)


def canonical_sex(label: str) -> str:
    text = compact(label)
    return {"합계": "계", "소계": "계", "전체": "계", "남자": "남", "여자": "여"}.get(text, text)


DIMENSIONS = (
    Dimension(
        "disability_type",
        frozenset({"장애유형별", "장애유형", "장애종류별", "유형별"}),
        lambda labels: len({canonical_type(label) for label in labels} & set(TYPES[1:])) >= 2,
        "합계",
        canonical_type,
    ),
    Dimension(
        "sex",
        frozenset({"성별"}),
        lambda labels: bool(labels & {"남", "여", "남자", "여자"}),
        "계",
        canonical_sex,
    ),
)


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name` (a KOSIS CSV, long or wide)."""
    if Path(name).suffix.lower() != ".csv":
        raise ParseError(f"{name}: welfare_disability_stats accepts a KOSIS .csv download (long or wide)")
    table = read_kosis(path, name)
    return to_frame(long_records(table, DIMENSIONS, MEASURE, {"source_layout": table.layout}), COLUMNS)


SOURCE = Source(
    SOURCE_ID,
    ("서울시 장애인 현황(장애유형별/동별) KOSIS CSV, long (동별, 장애유형별, 성별, <year> 년) or wide (동별(1..3), type columns)",),
    (".csv",),
    parse,
)
