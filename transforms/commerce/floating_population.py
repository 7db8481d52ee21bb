"""길단위인구-상권 (VwsmTrdarFlpopQq), korean-public-data.md §6.4: API JSON or CSV (Korean or lower-case
English headers). Its time bands use `_` (`시간대_00_06_유동인구_수`) where the sales bands use `~`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.commerce import seoul
from transforms.source import Source

SOURCE_ID = "commerce_floating_population"

SERVICE = "VwsmTrdarFlpopQq"


def parse(path: Path, name: str) -> pl.DataFrame:
    return seoul.parse(path, name, SERVICE, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("Seoul Open API JSON VwsmTrdarFlpopQq", "길단위인구-상권 CSV, Korean or lower-case English headers"),
    (".json", ".csv"),
    parse,
)
