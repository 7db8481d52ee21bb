"""Marts of two lakes, cell for cell: the one comparison the bench and the tests use.

Two builds over the same inputs (and the same pseudonymization keys) must give the same rows in every mart
and release, whatever the order and the steps they were built in.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from catalog.contracts import load_contracts
from lake.session import lake_session
from lake.settings import Settings


class CloseFloat(float):
    """A float cell equal to another within a relative 1e-9: a float sum or mean depends on the order DuckDB's
    threads add in, which differs between two builds in its last bits. Rounding both sides instead (to 9
    significant digits) still split a value that sat on a rounding boundary: the SF 1 bench once reported
    companion_robot_care as differing when no cell differed by more than 1e-15 relative."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and math.isclose(self, other, rel_tol=1e-9, abs_tol=1e-12)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = float.__hash__


def comparable_rows(con, relation: str) -> list[tuple]:
    """A relation's rows in a canonical order, for comparing two builds cell for cell; float cells compare
    within a relative 1e-9 (CloseFloat). The order is by the text of each row with floats at 6 significant
    digits, so two builds' rows pair up even when their floats differ in the last bits."""
    def order(row: tuple) -> str:
        return repr(tuple(f"{v:.6g}" if isinstance(v, float) else v for v in row))

    rows = con.execute(f"SELECT * FROM {relation}").fetchall()
    return [tuple(CloseFloat(v) if isinstance(v, float) else v for v in row) for row in sorted(rows, key=order)]


def mart_tables(domains: Collection[str] | None = None) -> list[str]:
    """Every mart and release table the contracts declare (`schema.table`), of `domains` when given."""
    return sorted(t.physical_name for c in load_contracts().values()
                  if c.layer in ("mart", "release") and (domains is None or c.domain in domains) for t in c.tables)


def differing_marts(a: Settings, b: Settings, domains: Collection[str] | None = None) -> list[str]:
    """The mart and release tables (of `domains`, default all) whose rows differ between two lakes (one table
    at a time in memory)."""
    with lake_session(a, read_only=True) as left, lake_session(b, read_only=True) as right:
        return [t for t in mart_tables(domains) if comparable_rows(left, f"lake.{t}") != comparable_rows(right, f"lake.{t}")]
