"""Daycare meal-scan extract: CSV with Korean headers, CP949 or UTF-8 (synthetic schema, reference §7.4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from transforms.records import stream_extract_csv
from transforms.source import Source

SOURCE_ID = "childcare_meals"


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    return stream_extract_csv(path, name, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("meal-scan extract CSV, Korean headers, CP949 or UTF-8 (synthetic schema)",),
    (".csv",),
    parse,
)
