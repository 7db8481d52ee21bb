"""Anonymity measures and the small-cell attack (governance.md §4.3–4.4).

k-anonymity and l-diversity are computed in SQL over any DuckDB relation, so the same code measures a
lake table at warehouse scale and a fixture in a test. pycanon was the suggested library, but 1.3.6
pins numpy 2.0.2, pandas 2.3.3, scipy 1.15.3 and typer 0.23.2 exactly, which would downgrade the
pinned stack, and it works on in-memory pandas frames; the two measures are one GROUP BY each.

Suppression itself builds the published grid, so it is a transform (transforms/suppression.py);
`recoverable_cells` here is the attack the small-cell gate runs against its result.
"""

from __future__ import annotations

import duckdb

from transforms.suppression import Suppression


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def k_anonymity(con: duckdb.DuckDBPyConnection, relation: str, quasi_identifiers: list[str]) -> int:
    """The size of the smallest equivalence class over the quasi-identifiers (0 for an empty relation)."""
    qi = _quoted(quasi_identifiers)
    return con.execute(f"SELECT coalesce(min(n), 0) FROM (SELECT count(*) AS n FROM {relation} GROUP BY {qi})").fetchone()[0]


def l_diversity(con: duckdb.DuckDBPyConnection, relation: str, quasi_identifiers: list[str], sensitive: str) -> int:
    """Distinct l-diversity: the fewest distinct values of `sensitive` in any equivalence class."""
    qi = _quoted(quasi_identifiers)
    return con.execute(
        f'SELECT coalesce(min(l), 0) FROM (SELECT count(DISTINCT "{sensitive}") AS l FROM {relation} GROUP BY {qi})'
    ).fetchone()[0]


def rows_below_k(con: duckdb.DuckDBPyConnection, relation: str, quasi_identifiers: list[str], k: int) -> int:
    """Rows in equivalence classes smaller than k: what suppression must remove to reach k."""
    qi = _quoted(quasi_identifiers)
    return con.execute(
        f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} GROUP BY {qi}) WHERE n < ?", [k]
    ).fetchone()[0]


def recoverable_cells(result: Suppression) -> list[tuple[int, int]]:
    """Withheld cells that are the only withheld cell of a row or column whose total is published:
    each could be recovered by subtraction. Complementary suppression guarantees an empty list."""
    withheld = result.withheld
    rows, cols = len(withheld), len(withheld[0]) if withheld else 0
    lonely = []
    for r in range(rows):
        for c in range(cols):
            if not withheld[r][c]:
                continue
            alone_in_row = sum(withheld[r]) == 1 and r not in result.withheld_row_totals
            alone_in_col = sum(withheld[i][c] for i in range(rows)) == 1 and c not in result.withheld_col_totals
            if alone_in_row or alone_in_col:
                lonely.append((r, c))
    return lonely
