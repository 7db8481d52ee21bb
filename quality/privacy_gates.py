"""Privacy gates run on every mart, release and export (governance.md §4).

Each gate returns a `GateResult` whose evidence becomes Dagster check metadata and part of every export
manifest. Gates read through a DuckDB relation name so the same code checks a lake table, an analyst
table or an exported Parquet file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import duckdb

from catalog.contracts import IDENTIFIED_TIERS, Contract, Table, load_contracts, tier_rank
from catalog.search import upstream
from quality.anonymity import k_anonymity, l_diversity, recoverable_cells, rows_below_k
from transforms.suppression import grid_from_published

# Patterns for identifiers that may hide in any text column.
GENERIC_PATTERNS = {
    "resident_registration_number": r"\b\d{6}-?[1-4]\d{6}\b",
    "mobile_phone": r"\b01[016789]-?\d{3,4}-?\d{4}\b",
    "landline_phone": r"\b0(2|[3-6][1-5])-\d{3,4}-\d{4}\b",
    # A bare 2-4 syllable pattern would flag every menu (김치…) and centre (해님어린이집), so a Korean name
    # counts only in context: after a label (성명: 홍길동), or as a word starting with a common surname
    # followed by a space and an honorific or kinship term (홍길동 어르신).
    "korean_name_in_context": r"(성명|이름|대상자|보호자)\s*[:：]?\s*[가-힣]{2,4}"
    r"|(^|[^가-힣])[김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용][가-힣]{1,2}\s(님|씨|어르신|할머니|할아버지)",
}


@dataclass
class GateResult:
    gate: str
    passed: bool
    findings: list[str] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def identifier_patterns() -> dict[str, str]:
    """Generic patterns plus the pattern of every direct-identifier column in any contract."""
    patterns = dict(GENERIC_PATTERNS)
    for contract in load_contracts().values():
        for table in contract.tables:
            for column in table.columns:
                if column.direct_identifier and column.pattern:
                    patterns[f"{contract.id}.{column.name}"] = column.pattern.strip("^$")
    return patterns


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {name: str(kind) for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def no_direct_identifiers(con: duckdb.DuckDBPyConnection, relation: str, table: Table, scan: str | None = None,
                          scope: str = "every row") -> GateResult:
    """By contract tier, by unexpected columns, and by a pattern scan of every text column of `scan` (the
    relation's rows still to scan, quality/scan_progress.py; by default all of them)."""
    findings = [f"column {c.name} has tier {c.tier}" for c in table.columns if c.tier in IDENTIFIED_TIERS or c.direct_identifier]
    columns = _columns(con, relation)
    declared = {c.name for c in table.columns}
    findings += [f"column {name} is not in the contract" for name in columns if name not in declared]
    text_columns = [name for name, kind in columns.items() if kind == "VARCHAR"]
    patterns = identifier_patterns()
    hits: dict[str, int] = {}
    # One scan with every pattern as one alternation: a row matches it exactly when it matches some pattern,
    # and RE2 reads each value once for all of them (~9x faster than a count per pattern: 0.8 s against 7.4 s
    # over 2 million rows of 4 text columns). Only when a row matches does a second scan count per pattern.
    any_pattern = "|".join(f"(?:{p})" for p in patterns.values())
    matches = " OR ".join(f'regexp_matches("{c}", $1)' for c in text_columns) or "false"
    rows, suspect = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {matches}) FROM {scan or relation}",
                                [any_pattern]).fetchone()
    if suspect:
        counts = ", ".join(
            "count(*) FILTER (WHERE " + " OR ".join(f'regexp_matches("{c}", ${i + 1})' for c in text_columns) + ")"
            for i in range(len(patterns))
        )
        row = con.execute(f"SELECT {counts} FROM {scan or relation}", list(patterns.values())).fetchone()
        hits = {label: n for label, n in zip(patterns, row) if n}
        findings += [f"{n} rows match the {label} pattern" for label, n in hits.items()]
    return GateResult("no_direct_identifiers", not findings, findings,
                      {"rows_scanned": rows, "scanned": scope, "text_columns_scanned": len(text_columns),
                       "pattern_hits": hits})


def small_cells_suppressed(con: duckdb.DuckDBPyConnection, relation: str, contract: Contract, table: Table) -> GateResult:
    """No published count below small_cell_min; a suppressed cell publishes no measure at all."""
    threshold = contract.small_cell_min
    count_columns = [c for c in contract.custom.get("small_cell_count_columns", []) if c in {x.name for x in table.columns}]
    if not count_columns:
        return GateResult("small_cells_suppressed", True, [], {"applies": False})
    findings = []
    for column in count_columns:  # a zero is published: only 1 … threshold − 1 is a small cell
        below = con.execute(f'SELECT count(*) FROM {relation} WHERE "{column}" > 0 AND "{column}" < ?', [threshold]).fetchone()[0]
        if below:
            findings.append(f"{below} cells of {column} are below {threshold}")
    measures = [c.name for c in table.columns if not c.primary_key and c.tier != "public" and c.name != "suppressed"]
    leaked = con.execute(
        f"SELECT count(*) FROM {relation} WHERE suppressed AND ({' OR '.join(f'{m} IS NOT NULL' for m in measures)})"
    ).fetchone()[0] if measures else 0
    if leaked:
        findings.append(f"{leaked} suppressed cells still publish a measure")
    cells, suppressed = con.execute(f"SELECT count(*), count(*) FILTER (WHERE suppressed) FROM {relation}").fetchone()
    evidence = {"threshold": threshold, "cells": cells, "suppressed_cells": suppressed, "count_columns": count_columns}
    if grid := contract.custom.get("suppression_grid"):
        recoverable = recoverable_grid_cells(con, relation, grid)
        evidence["recoverable_cells"] = len(recoverable)
        findings += [f"withheld cell {cell} can be recovered from a published total" for cell in recoverable[:20]]
    return GateResult("small_cells_suppressed", not findings, findings, evidence)


def recoverable_grid_cells(con: duckdb.DuckDBPyConnection, relation: str, grid: dict) -> list[str]:
    """Withheld cells of a published grid that subtraction from a published margin would give back."""
    groups = ", ".join(f'"{g}"' for g in grid["groups"])
    rows = con.execute(
        f'SELECT {groups}, "{grid["rows"]}", "{grid["columns"]}", suppressed FROM {relation} ORDER BY ALL'
    ).fetchall()
    by_group: dict[tuple, list[dict]] = {}
    for *group, row_key, column_key, withheld in rows:
        by_group.setdefault(tuple(group), []).append({"row_key": row_key, "column_key": column_key, "withheld": withheld})
    found = []
    for group, cells in by_group.items():
        published = grid_from_published(cells, str(grid["total_row"]), str(grid["total_column"]))
        inner = [c for c in cells if c["row_key"] != str(grid["total_row"]) and c["column_key"] != str(grid["total_column"])]
        row_keys = sorted({c["row_key"] for c in inner})
        col_keys = sorted({c["column_key"] for c in inner})
        found += [f"{group} {row_keys[r]} × {col_keys[c]}" for r, c in recoverable_cells(published)]
    return found


def k_anonymous(con: duckdb.DuckDBPyConnection, relation: str, contract: Contract, table: Table) -> GateResult:
    """Every equivalence class over the declared quasi-identifiers has at least k_min rows."""
    qis = [c.name for c in table.columns if c.quasi_identifier]
    if not qis:
        return GateResult("k_anonymity", True, [], {"applies": False})
    k_min = int(contract.custom["k_min"])
    k = k_anonymity(con, relation, qis)
    below = rows_below_k(con, relation, qis, k_min)
    findings = [f"k = {k} < {k_min}: {below} rows in classes below k over {qis}"] if below else []
    evidence = {"quasi_identifiers": qis, "k_min": k_min, "k_achieved": k, "rows_below_k": below}
    source = contract.custom.get("anonymised_from")
    if source and relation.startswith("lake."):  # evidence of the build's own generalisation and suppression
        rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
        before = con.execute(f"SELECT count(*) FROM lake.{load_contracts()[source].table.physical_name}").fetchone()[0]
        evidence |= {"rows_in": before, "rows_published": rows, "rows_removed": before - rows}
        if "generalisation_level" in {c.name for c in table.columns}:
            levels = con.execute(f"SELECT generalisation_level, count(*) FROM {relation} GROUP BY ALL ORDER BY 1").fetchall()
            evidence["rows_per_generalisation_level"] = {str(level): n for level, n in levels}
    return GateResult("k_anonymity", not findings, findings, evidence)


def l_diverse(con: duckdb.DuckDBPyConnection, relation: str, contract: Contract, table: Table) -> GateResult:
    """Every equivalence class holds at least l_min distinct values of each declared sensitive attribute."""
    qis = [c.name for c in table.columns if c.quasi_identifier]
    sensitive = [c.name for c in table.columns if c.sensitive and not c.direct_identifier]
    l_min = contract.custom.get("l_min")
    if not qis or not sensitive or l_min is None:
        return GateResult("l_diversity", True, [], {"applies": False})
    achieved = {s: l_diversity(con, relation, qis, s) for s in sensitive}
    empty = not con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]  # no class at all: nothing to disclose
    findings = [] if empty else [f"l({s}) = {l} < {l_min}" for s, l in achieved.items() if l < int(l_min)]
    return GateResult("l_diversity", not findings, findings, {"l_min": int(l_min), "l_achieved": achieved})


def tier_propagation(contract: Contract) -> GateResult:
    """A dataset's tier is at least its inputs' unless its contract declares an anonymising step, which
    the other gates then verify."""
    inputs = {u: load_contracts()[u].tier for u in upstream(contract) if u in load_contracts()}
    highest = max(inputs.values(), key=tier_rank, default=contract.tier)
    lowered = tier_rank(contract.tier) < tier_rank(highest)
    findings = [f"tier {contract.tier} is below its inputs' {highest} with no declared anonymising step"] \
        if lowered and not contract.anonymising_step else []
    return GateResult("tier_propagation", not findings, findings,
                      {"tier": contract.tier, "inputs": inputs, "anonymising_step": contract.anonymising_step or ""})


def gate_names(contract: Contract) -> tuple[str, ...]:
    """Staging gets the identifier and tier gates; marts and releases all of them."""
    if contract.layer == "staging":
        return ("no_direct_identifiers", "tier_propagation")
    return ("no_direct_identifiers", "small_cells_suppressed", "k_anonymity", "l_diversity", "tier_propagation")


def release_gates(con: duckdb.DuckDBPyConnection, relation: str, contract: Contract, table: Table,
                  scan: str | None = None, scope: str = "every row") -> list[GateResult]:
    """Every gate of the contract's layer; the identifier scan reads `scan` (default: the whole relation)."""
    gates = {
        "no_direct_identifiers": lambda: no_direct_identifiers(con, relation, table, scan, scope),
        "small_cells_suppressed": lambda: small_cells_suppressed(con, relation, contract, table),
        "k_anonymity": lambda: k_anonymous(con, relation, contract, table),
        "l_diversity": lambda: l_diverse(con, relation, contract, table),
        "tier_propagation": lambda: tier_propagation(contract),
    }
    return [gates[name]() for name in gate_names(contract)]
