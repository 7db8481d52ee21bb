"""Disabled-parking space events: the enforcement system's CSV, Korean headers, CP949 or UTF-8 (synthetic schema, §4.2)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.records import read_extract_csv


def parse(path: Path, name: str) -> pl.DataFrame:
    return read_extract_csv(path, name, "disabled_parking_events")
