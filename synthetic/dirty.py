"""Helpers the generators share to make rows invalid on purpose."""

from __future__ import annotations

import numpy as np
import polars as pl


def scatter(frame: pl.DataFrame, column: str, positions: np.ndarray, values) -> pl.DataFrame:
    """`frame` with `column` set to `values` at the row `positions` (unchanged when there are none)."""
    if not len(positions):
        return frame
    series = frame[column].clone()
    series.scatter(positions, values)
    return frame.with_columns(series)
