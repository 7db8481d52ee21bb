"""추정매출-상권 (VwsmTrdarSelngQq, OA-15572), korean-public-data.md §6.2.

Three layouts of one table load into one schema through the contract's synonyms: the Open API JSON, the
Korean-header CSV with the official typo in the time-band count columns (`시간대_건수~06_매출_건수` …,
accepted as published and in the corrected spelling), and the 2025 lower-case English headers.

The 2019-2021 layout (`기준_년_코드` + `기준_분기_코드`, `분기당_매출_금액`, `*_매출_비율`, `점포수`) is
refused, not mapped: its mix columns are ratios of a differently defined quarter total, so mapping them
onto the current amount columns would publish numbers Seoul never estimated. Seoul re-publishes those
quarters in the current layout; load that download instead (the message says so).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.commerce import seoul
from transforms.records import ParseError, normalise_name
from transforms.source import Source

SERVICE = "VwsmTrdarSelngQq"
SOURCE_ID = "commerce_sales"
_OLD_LAYOUT = {"기준_년_코드", "기준_분기_코드", "분기당_매출_금액", "stdr_yy_cd", "stdr_qu_cd", "qu_selng_amt"}


def refuse_old_layout(frame: pl.DataFrame, name: str) -> None:
    fields = {normalise_name(c) for c in frame.columns}
    old = sorted(fields & _OLD_LAYOUT) + sorted(f for f in fields if f.endswith("_매출_비율"))[:2]
    if old:
        raise ParseError(
            f"{name}: the 2019-2021 추정매출 layout ({', '.join(old)}, …) is not loaded: its ratio columns do not "
            "map onto the current amounts. Download the same quarter in the current layout "
            "(기준_년분기_코드, 당월_매출_금액, …) from 서울 열린데이터광장 OA-15572."
        )


def parse(path: Path, name: str) -> pl.DataFrame:
    frame = seoul.parse(path, name, SERVICE, SOURCE_ID)
    refuse_old_layout(frame, name)
    return frame


SOURCE = Source(
    SOURCE_ID,
    ("Seoul Open API JSON VwsmTrdarSelngQq", "추정매출-상권 CSV, Korean headers (official typo columns)",
     "the same CSV with lower-case English headers"),
    (".json", ".csv"),
    parse,
)
