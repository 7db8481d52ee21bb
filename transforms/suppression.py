"""Small-cell suppression of a table of counts with published margins: primary cells under the
threshold, then complementary cells, so no withheld cell can be recovered by subtraction. Statistical
marts call it from SQL (`small_cell_suppression`, registered by the dbt plugin); the privacy gate
(quality/anonymity.recoverable_cells) proves the result.
"""

from __future__ import annotations

from dataclasses import dataclass


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
