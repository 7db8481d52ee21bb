"""Well-being call case extract: CSV with Korean headers, CP949 or UTF-8 (synthetic schema, reference §8.5)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.childcare.centers import ParseError
from transforms.records import ROW_NUMBER


def read_extract_csv(path: Path, name: str, source_id: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed CSV `name`. Every field stays a string; a ragged last line
    (a truncated file) keeps its row, with nulls that the validation then quarantines."""
    if Path(name).suffix.lower() != ".csv":
        raise ParseError(f"{name}: {source_id} accepts a .csv extract")
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8", truncate_ragged_lines=True)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ParseError(f"{name}: not a readable CSV ({exc})") from exc
    frame = frame.rename({c: c.replace("\ufeff", "").strip() for c in frame.columns})
    return frame.with_row_index(ROW_NUMBER, offset=1).with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))


def parse(path: Path, name: str) -> pl.DataFrame:
    return read_extract_csv(path, name, "welfare_cases")
