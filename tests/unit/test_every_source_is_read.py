"""Every landed source is read by a staging model, or its contract says why not.

A raw table nothing reads costs ingest, checks and retention for no use. A source counts as read when a dbt
model selects from it (`source('<name>', '<id>')`) or a staging contract derives a column from it
(`transformSourceObjects: [<id>.<column>]`). One kept deliberately without a reader names the reason in its
contract's `kept_unread_because` custom property.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from catalog.contracts import Contract, load_contracts
from lake.settings import DBT_PROJECT_DIR

SOURCE_CALL = re.compile(r"""source\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]\s*\)""")


def sources_selected_by_models(models_dir: Path) -> set[str]:
    return {name for sql in models_dir.rglob("*.sql") for name in SOURCE_CALL.findall(sql.read_text(encoding="utf-8"))}


def sources_named_by_staging_contracts(contracts: dict[str, Contract]) -> set[str]:
    return {ref.split(".")[0] for c in contracts.values() if c.layer == "staging"
            for t in c.tables for column in t.columns for ref in column.derived_from}


def unread_sources(contracts: dict[str, Contract], models_dir: Path) -> list[str]:
    read = sources_selected_by_models(models_dir) | sources_named_by_staging_contracts(contracts)
    return sorted(c.id for c in contracts.values()
                  if c.layer == "raw" and c.table.name not in read and c.id not in read
                  and not c.custom.get("kept_unread_because"))


def test_every_raw_source_is_read_or_says_why_not():
    unread = unread_sources(load_contracts(), DBT_PROJECT_DIR / "models")
    assert not unread, (f"raw sources nothing reads: {', '.join(unread)} — add a staging model, or state "
                        "`kept_unread_because` in the contract's customProperties")


def test_a_reason_in_the_contract_accepts_an_unread_source(tmp_path):
    contracts = load_contracts()
    raw = next(c for c in contracts.values() if c.layer == "raw")
    (tmp_path / "only.sql").write_text("select 1")  # no model reads anything
    without_readers = {i: c for i, c in contracts.items() if c.layer != "staging"}
    assert raw.id in unread_sources(without_readers, tmp_path)
    excused = {**without_readers, raw.id: replace(raw, custom={**raw.custom, "kept_unread_because": "published for analysts only"})}
    assert raw.id not in unread_sources(excused, tmp_path)
