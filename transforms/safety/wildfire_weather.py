"""Hourly weather per hill area in the KMA data portal's ASOS/AWS hourly CSV layout (지점, 지점명, 일시, then each
element and its QC flag), CP949 or UTF-8. Headers map through the contract's synonyms, so a download with
other or extra elements still loads the ones the contract knows; the rest are reported as unmapped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from transforms.records import stream_extract_csv
from transforms.source import Source

SOURCE_ID = "wildfire_weather"


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    return stream_extract_csv(path, name, SOURCE_ID)


SOURCE = Source(
    SOURCE_ID,
    ("KMA ASOS/AWS hourly CSV layout (지점, 지점명, 일시, elements with QC flags), CP949 or UTF-8, one station per hill area (synthetic)",),
    (".csv",),
    parse,
)
