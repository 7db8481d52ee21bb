"""Daycare meal-scan extract: CSV with Korean headers, CP949 or UTF-8 (synthetic schema, reference §7.4)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from transforms.childcare.centers import ParseError
from transforms.encoding import to_utf8
from transforms.records import ROW_NUMBER


def parse(path: Path, encoding: str) -> pl.DataFrame:
    """Every field as a string; a ragged last line (truncated file) keeps its row with nulls."""
    if path.suffix.lower() not in (".csv", ".txt"):
        raise ParseError(f"{path.name}: childcare_meals accepts a .csv extract")
    with tempfile.TemporaryDirectory() as tmp:
        return _read(to_utf8(path, encoding, Path(tmp) / "utf8.csv"), path.name)


def _read(path: Path, name: str) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=True,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ParseError(f"{name}: not a readable CSV ({exc})") from exc
    frame = frame.rename({c: c.replace("\ufeff", "").strip() for c in frame.columns})
    return frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
