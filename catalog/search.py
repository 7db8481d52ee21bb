"""Catalog look-ups over contracts and the glossary: list, show, search (KO/EN)."""

from __future__ import annotations

from catalog.contracts import Contract, load_contracts
from catalog.registry import glossary


def upstream(contract: Contract) -> list[str]:
    """Contracts this one is built from: a release's marts, else the contracts its columns derive from."""
    if contract.custom.get("release_of"):
        return sorted(contract.custom["release_of"])
    found = {ref.split(".")[0] for t in contract.tables for c in t.columns for ref in c.derived_from}
    found.discard(contract.id)
    return sorted(found)


def downstream(contract: Contract) -> list[str]:
    return sorted(c.id for c in load_contracts().values() if contract.id in upstream(c))


def summary(contract: Contract) -> dict:
    return {"id": contract.id, "name": contract.name, "domain": contract.domain, "layer": contract.layer,
            "tier": contract.tier, "owners": list(contract.owners), "version": contract.version}


def detail(contract: Contract) -> dict:
    return {
        **summary(contract),
        "steward": contract.steward,
        "description": contract.description,
        "description_ko": contract.description_ko,
        "purpose_code": contract.custom.get("purpose_code"),
        "legal_basis": contract.custom.get("legal_basis"),
        "retention": contract.retention,
        "synthetic": contract.synthetic,
        "contract_file": str(contract.path),
        "upstream": upstream(contract),
        "downstream": downstream(contract),
        "tables": [
            {"name": t.physical_name, "columns": [
                {"name": c.name, "name_ko": c.name_ko, "type": c.physical_type, "required": c.required,
                 "tier": c.tier, "quasi_identifier": c.quasi_identifier, "direct_identifier": c.direct_identifier,
                 "description": c.description}
                for c in t.columns]}
            for t in contract.tables
        ],
    }


def search(term: str) -> list[dict]:
    """Contracts and glossary terms whose names, descriptions or columns mention `term` (any case)."""
    needle = term.casefold()
    hits = []
    for contract in load_contracts().values():
        fields = [contract.id, contract.name, contract.description, contract.description_ko, contract.purpose]
        columns = [c for t in contract.tables for c in t.columns
                   if needle in " ".join((c.name, c.name_ko, c.description, c.description_ko)).casefold()]
        if needle in " ".join(fields).casefold() or columns:
            hits.append({"kind": "dataset", "id": contract.id, "name": contract.name,
                         "matching_columns": [c.name for c in columns]})
    for entry in glossary():
        if needle in " ".join(str(v) for v in entry.values()).casefold():
            hits.append({"kind": "glossary", "id": entry["term_en"], "name": f"{entry['term_ko']} / {entry['term_en']}",
                         "matching_columns": [], "datasets": entry["datasets"]})
    return hits
