"""Code normalisation shared by the commerce loaders (korean-public-data.md §0.3, §11.3-4).

행정동 codes arrive as 8 digits (상권분석 `행정동_코드`, SEMAS API `adongCd`) or 10 digits (some store
files). The lake keeps ONE form, the 10-digit 행안부 code, as the geography seeds and the rest of the
project do: an 8-digit code is the 10-digit one truncated, and 행정동 codes always end in `00`, so
`11500510` → `1150051000`. Anything else is left as published for the contract's pattern to quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from catalog.contracts import Table
from transforms.records import normalise_name


def adong_code10(code: pl.Expr) -> pl.Expr:
    text = code.str.strip_chars()
    return pl.when(text.str.contains(r"^[0-9]{8}$")).then(text + "00").otherwise(text)


def field_for(fields: Iterable[str], table: Table, column: str) -> str | None:
    """The source field that the contract maps onto `column` (by name or synonym, case-insensitive)."""
    aliases = {normalise_name(a) for a in (column, *table.column(column).source_names)}
    return next((f for f in fields if normalise_name(f) in aliases), None)
