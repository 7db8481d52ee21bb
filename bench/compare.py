"""Marts of two lakes, cell for cell: the one comparison the bench and the tests use.

Two builds over the same inputs (and the same pseudonymization keys) must give the same rows in every mart
and release, whatever the order and the steps they were built in.
"""

from __future__ import annotations

from collections.abc import Collection

from catalog.contracts import load_contracts
from lake.session import lake_session
from lake.settings import Settings


def comparable_rows(con, relation: str) -> list[str]:
    """A relation's rows as sorted text, for comparing two builds cell for cell. Floats keep 9 significant
    digits: a float sum or mean depends on the order DuckDB's threads add in (its last bits), at any
    magnitude (a fixed number of decimals did not hold for sums in the thousands at SF 1)."""
    def cell(value):
        return float(f"{value:.9g}") if isinstance(value, float) else value

    return sorted(repr(tuple(cell(v) for v in row)) for row in con.execute(f"SELECT * FROM {relation}").fetchall())


def mart_tables(domains: Collection[str] | None = None) -> list[str]:
    """Every mart and release table the contracts declare (`schema.table`), of `domains` when given."""
    return sorted(t.physical_name for c in load_contracts().values()
                  if c.layer in ("mart", "release") and (domains is None or c.domain in domains) for t in c.tables)


def differing_marts(a: Settings, b: Settings, domains: Collection[str] | None = None) -> list[str]:
    """The mart and release tables (of `domains`, default all) whose rows differ between two lakes (one table
    at a time in memory)."""
    with lake_session(a, read_only=True) as left, lake_session(b, read_only=True) as right:
        return [t for t in mart_tables(domains) if comparable_rows(left, f"lake.{t}") != comparable_rows(right, f"lake.{t}")]
