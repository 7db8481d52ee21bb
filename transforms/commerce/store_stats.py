"""점포-상권 (VwsmTrdarStorQq), korean-public-data.md §6.3: API JSON or CSV (Korean or lower-case English
headers). `개업_율` and `폐업_률` are spelled as published; the contract also accepts the other spelling."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.commerce import seoul
from transforms.source import Source

SOURCE_ID = "commerce_store_stats"

SERVICE = "VwsmTrdarStorQq"


def parse(path: Path, name: str) -> pl.DataFrame:
    return seoul.parse(path, name, SERVICE, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("Seoul Open API JSON VwsmTrdarStorQq", "점포-상권 CSV, Korean or lower-case English headers"),
    (".json", ".csv"),
    parse,
)
