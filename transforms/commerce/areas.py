"""영역-상권 (TbgisTrdarRelm), korean-public-data.md §6.5: API JSON or CSV (Korean or English headers).

엑스좌표_값 / 와이좌표_값 are TM coordinates in EPSG:5181 (Korea 2000 / Central Belt), kept as published
in `x_5181` / `y_5181`: they are NOT longitude/latitude. WGS84 columns are derived in staging with the
shared spatial module (transforms/spatial.py), not here. 행정동_코드 (8 digits) is stored in the
project's 10-digit form (transforms/commerce/codes.py).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.commerce import seoul
from transforms.commerce.codes import adong_code10, field_for
from transforms.source import Source

SERVICE = "TbgisTrdarRelm"
SOURCE_ID = "commerce_areas"


def parse(path: Path, name: str) -> pl.DataFrame:
    frame = seoul.parse(path, name, SERVICE, SOURCE_ID)
    adong = field_for(frame.columns, get_contract(SOURCE_ID).table, "adong_code")
    return frame.with_columns(adong_code10(pl.col(adong))) if adong else frame


SOURCE = Source(
    SOURCE_ID,
    ("Seoul Open API JSON TbgisTrdarRelm (X/Y in EPSG:5181)", "영역-상권 CSV, Korean or lower-case English headers"),
    (".json", ".csv"),
    parse,
)
