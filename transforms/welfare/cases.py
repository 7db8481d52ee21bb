"""Well-being call case extract: CSV with Korean headers, CP949 or UTF-8 (synthetic schema, reference §8.5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from transforms.records import stream_extract_csv
from transforms.source import Source

SOURCE_ID = "welfare_cases"


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    return stream_extract_csv(path, name, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("AI well-being call case extract CSV, Korean headers, CP949 or UTF-8 (synthetic schema, 행복e음-style)",),
    (".csv",),
    parse,
)
