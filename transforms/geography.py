"""Gangseo-gu's administrative geography: dong-name normalisation and 행정동 code look-ups.

The reference tables are the dbt seeds under dbt_project/seeds/geography/ (contracts in
catalog/contracts/geography/), read here directly so loaders can resolve names without the lake.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import polars as pl

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "geography"
_JE_BEFORE_DIGIT = re.compile(r"제(?=\d)")
_JOINERS = re.compile(r"(?<=\d)[.,\-](?=\d)")


def normalise_dong_name(name: str) -> str:
    """'등촌제1동' → '등촌1동', '상계3.4동' → '상계3·4동', surrounding and inner spaces removed (reference §8.1)."""
    text = re.sub(r"\s+", "", name.replace("\ufeff", ""))
    return _JOINERS.sub("·", _JE_BEFORE_DIGIT.sub("", text))


@functools.cache
def admin_dongs() -> pl.DataFrame:
    return pl.read_csv(SEEDS / "gangseo_admin_dongs.csv", infer_schema=False)


@functools.cache
def _code_by_name() -> dict[str, str]:
    dongs = admin_dongs()
    names = {normalise_dong_name(n): c for n, c in zip(dongs["adong_name"], dongs["adong_code"])}
    names |= {normalise_dong_name(n): c for n, c in zip(dongs["adong_short_name"], dongs["adong_code"])}
    return names


def adong_code(name: str) -> str | None:
    """The 10-digit 행정동 code of a current Gangseo 행정동 name in any of its spellings, else None."""
    return _code_by_name().get(normalise_dong_name(name))


@functools.cache
def adong_codes_for_bdong(bdong_code: str) -> tuple[str, ...]:
    """Every 행정동 that covers a 법정동: one code when unambiguous, several when the 법정동 is split."""
    pairs = pl.read_csv(SEEDS / "gangseo_adong_bdong.csv", infer_schema=False)
    return tuple(sorted(pairs.filter(pl.col("bdong_code") == bdong_code)["adong_code"]))
