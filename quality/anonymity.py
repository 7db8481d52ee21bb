"""Anonymity measures and small-cell suppression (governance.md §4.3–4.4).

k-anonymity and l-diversity are computed in SQL over any DuckDB relation, so the same code measures a
lake table at warehouse scale and a fixture in a test. pycanon was the suggested library, but 1.3.6
pins numpy 2.0.2, pandas 2.3.3, scipy 1.15.3 and typer 0.23.2 exactly, which would downgrade the
pinned stack, and it works on in-memory pandas frames; the two measures are one GROUP BY each.

Suppression works on a 2-D table of counts with published row and column totals: primary suppression
withholds every cell below the threshold, and complementary suppression then withholds further cells
until no row or column has exactly one withheld cell, so no withheld cell can be recovered by
subtracting the others from a published total.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


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


@dataclass
class Suppression:
    withheld: list[list[bool]]
    withheld_row_totals: set[int]
    withheld_col_totals: set[int]
    primary: int
    complementary: int


def suppress(counts: list[list[int]], threshold: int) -> Suppression:
    """Withhold cells 0 < n < threshold, then complementary cells until no row or column with a
    published total has exactly one withheld cell. The complement is the smallest positive published
    cell of the line (least information lost). A zero cell cannot be a complement (withholding a zero
    beside a small cell still gives the small cell away), so a line with no positive cell left has its
    total withheld instead."""
    rows, cols = len(counts), len(counts[0]) if counts else 0
    withheld = [[0 < counts[r][c] < threshold for c in range(cols)] for r in range(rows)]
    row_totals: set[int] = set()
    col_totals: set[int] = set()
    primary = sum(map(sum, withheld))
    complementary = 0
    lines = [("row", r, [(r, c) for c in range(cols)]) for r in range(rows)]
    lines += [("col", c, [(r, c) for r in range(rows)]) for c in range(cols)]
    changed = True
    while changed:
        changed = False
        for kind, index, cells in lines:
            totals = row_totals if kind == "row" else col_totals
            if index in totals or sum(withheld[r][c] for r, c in cells) != 1:
                continue
            candidates = [(counts[r][c], r, c) for r, c in cells if not withheld[r][c] and counts[r][c] > 0]
            if candidates:
                _, r, c = min(candidates)
                withheld[r][c] = True
                complementary += 1
            else:
                totals.add(index)
            changed = True
    return Suppression(withheld, row_totals, col_totals, primary, complementary)


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


def suppressed_grid(cells: list[dict], threshold: int, total_row: str, total_column: str) -> list[dict]:
    """A long table of counts (`row_key`, `column_key`, `n`) as it may be published: every cell, each row's
    total (column `total_column`), each column's total (row `total_row`) and the grand total, with
    `withheld` from `suppress`. The grand total is withheld too when any margin total is, so a lone
    withheld total cannot be recovered from the others."""
    rows = sorted({c["row_key"] for c in cells})
    cols = sorted({c["column_key"] for c in cells})
    value = {(c["row_key"], c["column_key"]): int(c["n"] or 0) for c in cells}
    counts = [[value.get((r, c), 0) for c in cols] for r in rows]
    result = suppress(counts, threshold)
    out = [
        {"row_key": r, "column_key": c, "n": counts[i][j], "withheld": result.withheld[i][j], "cell_kind": "cell"}
        for i, r in enumerate(rows) for j, c in enumerate(cols)
    ]
    out += [{"row_key": r, "column_key": total_column, "n": sum(counts[i]), "withheld": i in result.withheld_row_totals,
             "cell_kind": "row_total"} for i, r in enumerate(rows)]
    out += [{"row_key": total_row, "column_key": c, "n": sum(row[j] for row in counts),
             "withheld": j in result.withheld_col_totals, "cell_kind": "column_total"} for j, c in enumerate(cols)]
    any_total_withheld = bool(result.withheld_row_totals or result.withheld_col_totals)
    out.append({"row_key": total_row, "column_key": total_column, "n": sum(map(sum, counts)),
                "withheld": any_total_withheld, "cell_kind": "grand_total"})
    return out


def grid_from_published(cells: list[dict], total_row: str, total_column: str) -> Suppression:
    """The withheld pattern of a published grid (as `suppressed_grid` writes it), for `recoverable_cells`."""
    inner = [c for c in cells if c["row_key"] != total_row and c["column_key"] != total_column]
    rows = sorted({c["row_key"] for c in inner})
    cols = sorted({c["column_key"] for c in inner})
    withheld = {(c["row_key"], c["column_key"]): bool(c["withheld"]) for c in inner}
    totals = {(c["row_key"], c["column_key"]): bool(c["withheld"]) for c in cells if c not in inner}
    return Suppression(
        withheld=[[withheld.get((r, c), False) for c in cols] for r in rows],
        # A total that is withheld or not published at all cannot be subtracted from.
        withheld_row_totals={i for i, r in enumerate(rows) if totals.get((r, total_column), True)},
        withheld_col_totals={j for j, c in enumerate(cols) if totals.get((total_row, c), True)},
        primary=0,
        complementary=0,
    )
