"""Smart-pole 15-minute counts: the platform's CSV export, Korean headers, CP949 or UTF-8 (synthetic schema)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.records import read_extract_csv


def parse(path: Path, name: str) -> pl.DataFrame:
    return read_extract_csv(path, name, "smart_pole_counts")
