"""Disabled-parking space events: the enforcement system's CSV, Korean headers, CP949 or UTF-8 (synthetic schema, §4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from transforms.records import stream_extract_csv
from transforms.source import Source

SOURCE_ID = "disabled_parking_events"


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    return stream_extract_csv(path, name, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("disabled-parking enforcement event CSV, one row per sensor event, Korean headers, CP949 or UTF-8 (synthetic schema)",),
    (".csv",),
    parse,
)
