"""Generate each dbt model's and seed's properties YAML, and the raw zone's `sources:`, from the contracts.

The contract is the single place a column is described; dbt's enforced model contract (names, types,
not-null) and its data tests are written from it. `lakehouse catalog dbt-sync` rewrites the files; a
test fails when a committed file differs from what the contracts generate.
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


def _tests(column: Column, enforced: bool) -> list:
    tests: list = []
    if column.required and not enforced:  # an enforced contract's NOT NULL constraint already blocks nulls
        tests.append("not_null")
    if column.unique:
        tests.append("unique")
    if column.valid_values:
        tests.append({"accepted_values": {"arguments": {"values": list(column.valid_values)}}})
    if column.minimum is not None or column.maximum is not None:
        bounds = {k: v for k, v in (("min_value", column.minimum), ("max_value", column.maximum)) if v is not None}
        tests.append({"accepted_range": {"arguments": bounds}})
    return tests


def _column(column: Column, enforce: bool) -> dict:
    entry: dict = {
        "name": column.name,
        "description": f"{column.name_ko} — {column.description}",
        "data_type": column.physical_type.lower(),
    }
    if enforce and column.required:
        entry["constraints"] = [{"type": "not_null"}]
    entry["meta"] = {"tier": column.tier, "name_ko": column.name_ko}
    if tests := _tests(column, enforce):
        entry["data_tests"] = tests
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
    if len(table.primary_key) > 1:
        node["data_tests"] = [{"unique_key": {"arguments": {"columns": list(table.primary_key)}}}]
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
