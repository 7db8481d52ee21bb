"""Smart-pole 15-minute counts: the platform's CSV export, Korean headers, CP949 or UTF-8 (synthetic schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from transforms.records import stream_extract_csv
from transforms.source import Source

SOURCE_ID = "smart_pole_counts"


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    return stream_extract_csv(path, name, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("smart-pole platform CSV, one row per pole per 15 minutes, Korean headers, CP949 or UTF-8 (synthetic schema)",),
    (".csv",),
    parse,
)
