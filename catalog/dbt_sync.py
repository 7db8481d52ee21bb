"""Generate each dbt model's and seed's properties YAML, and the raw zone's `sources:`, from the contracts.

The contract is the single place a column is described; dbt's enforced model contract (names, types,
not-null) and its data tests are written from it: a column's row rules (allowed values, range, not-null where
no contract enforces it) all go into the model's one `contract_rules` test, a single scan. `lakehouse catalog
dbt-sync` rewrites the files; a test fails when a committed file differs from what the contracts generate.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from catalog.contracts import Column, Contract, load_contracts

HEADER = "# Generated from {path} by `lakehouse catalog dbt-sync`. Edit the contract, not this file.\n"
LAYER_FOLDERS = {"staging": "models/staging", "mart": "models/marts", "reference": "seeds"}
# Staging models read raw tables as `source('raw_identified', '<contract id>')`.
RAW_SOURCE = "raw_identified"
SOURCES_FILE = "models/staging/_raw_identified__sources.yml"


def _rule(column: Column, enforced: bool) -> dict | None:
    """The column's row rules for the model's one `contract_rules` test (dbt_project/tests/generic)."""
    rule: dict = {}
    if column.required and not enforced:  # an enforced contract's NOT NULL constraint already blocks nulls
        rule["not_null"] = True
    if column.valid_values:
        rule["values"] = list(column.valid_values)
    if column.minimum is not None:
        rule["min_value"] = column.minimum
    if column.maximum is not None:
        rule["max_value"] = column.maximum
    return {"column": column.name, **rule} if rule else None


def _rules_description(rules: list[dict]) -> str:
    names = [f"{kind}:{r['column']}" for r in rules
             for kind, key in (("not_null", "not_null"), ("in_set", "values"), ("minimum", "min_value"),
                               ("maximum", "max_value")) if key in r]
    return ("The contract's column rules in one scan; a failing row per rule broken, with the rows breaking it "
            f"(failed rows = rules broken): {', '.join(names)}.")


def _column(column: Column, enforce: bool) -> dict:
    entry: dict = {
        "name": column.name,
        "description": f"{column.name_ko} — {column.description}",
        "data_type": column.physical_type.lower(),
    }
    if enforce and column.required:
        entry["constraints"] = [{"type": "not_null"}]
    entry["meta"] = {"tier": column.tier, "name_ko": column.name_ko}
    if column.unique:
        entry["data_tests"] = ["unique"]
    return entry


def dbt_properties(contract: Contract) -> dict:
    table = contract.table
    is_model = contract.layer != "reference"
    node: dict = {
        "name": table.name,
        "description": f"{contract.description}\n\n{contract.description_ko}".strip(),
        "config": {
            "meta": {
                "contract_id": contract.id,
                "contract_version": contract.version,
                "tier": contract.tier,
                "purpose_code": contract.custom["purpose_code"],
                "small_cell_min": contract.small_cell_min,
                "k_min": contract.custom["k_min"],
                "l_min": contract.custom["l_min"],
            },
        },
        "columns": [_column(c, is_model) for c in table.columns],
    }
    if is_model:
        node["config"]["contract"] = {"enforced": True}
    else:
        node["config"]["column_types"] = {c.name: c.physical_type.lower() for c in table.columns}
    tests = []
    if rules := [r for c in table.columns if (r := _rule(c, is_model))]:
        tests.append({"contract_rules": {
            "name": f"contract_rules_{table.name}",
            "config": {"meta": {"description": _rules_description(rules)}},  # the check's text in Dagster
            "arguments": {"rules": rules},
        }})
    if len(table.primary_key) > 1:
        tests.append({"unique_key": {"arguments": {"columns": list(table.primary_key)}}})
    if tests:
        node["data_tests"] = tests
    return {"version": 2, ("models" if is_model else "seeds"): [node]}


def properties_path(dbt_dir: Path, contract: Contract) -> Path:
    return dbt_dir / LAYER_FOLDERS[contract.layer] / contract.domain / f"_{contract.id}.yml"


def render(contract: Contract, root: Path) -> str:
    relative = contract.path.relative_to(root) if contract.path else contract.id
    body = yaml.safe_dump(dbt_properties(contract), allow_unicode=True, sort_keys=False, width=120)
    return HEADER.format(path=relative) + body


def sources_properties(contracts: list[Contract]) -> dict:
    """dbt's `sources:` for the raw zone: one table per raw contract, keyed like its Dagster asset."""
    tables = [
        {
            "name": c.table.name,
            "description": f"{c.description}\n\n{c.description_ko}".strip(),
            "meta": {"contract_id": c.id, "dagster": {"asset_key": c.table.physical_name.split(".")}},
        }
        for c in sorted(contracts, key=lambda c: c.id)
    ]
    return {"version": 2, "sources": [{
        "name": RAW_SOURCE,
        "database": "lake",
        "schema": RAW_SOURCE,
        "description": "Restricted raw zone, loaded by `lakehouse ingest`: one table per raw contract (catalog/contracts).",
        "tables": tables,
    }]}


def generated_files(dbt_dir: Path) -> dict[Path, str]:
    root = dbt_dir.resolve().parent
    contracts = list(load_contracts().values())
    files = {properties_path(dbt_dir, c): render(c, root) for c in contracts if c.layer in LAYER_FOLDERS}
    body = yaml.safe_dump(sources_properties([c for c in contracts if c.layer == "raw"]),
                          allow_unicode=True, sort_keys=False, width=120)
    files[dbt_dir / SOURCES_FILE] = HEADER.format(path="catalog/contracts/*/<raw contract>.yaml") + body
    return files


def sync(dbt_dir: Path) -> list[Path]:
    """Write every generated file; returns those that changed."""
    changed = []
    for path, text in generated_files(dbt_dir).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
