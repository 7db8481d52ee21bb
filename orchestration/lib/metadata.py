"""Dagster asset metadata, owners, tags and descriptions, all derived from the data contract."""

from __future__ import annotations

from typing import Any

import dagster as dg

from catalog.contracts import Contract, Table, get_contract
from catalog.freshness import sla
from lake.settings import PROJECT_ROOT


def asset_key(contract: Contract, table: Table | None = None) -> dg.AssetKey:
    """Keys read as zone/name, the same as the physical table: raw_identified/<source id>."""
    if contract.layer == "release":
        return dg.AssetKey(["release", contract.id])
    return dg.AssetKey((table or contract.table).physical_name.split("."))


def source_key(contract: Contract) -> dg.AssetKey:
    return dg.AssetKey(["source", contract.id])


def group_name(contract: Contract, layer: str | None = None) -> str:
    return f"{contract.domain}_{layer or contract.layer}"


def tags(contract: Contract) -> dict[str, str]:
    return {
        "tier": contract.tier,
        "domain": contract.domain,
        "layer": contract.layer,
        "purpose": contract.custom["purpose_code"],
        **({"synthetic": "true"} if contract.synthetic else {}),
    }


def description(contract: Contract) -> str:
    agreed = sla(contract)
    lines = [
        f"**{contract.name}**",
        "",
        contract.description,
        "",
        contract.description_ko,
        "",
        f"- 목적 / purpose: {contract.purpose}",
        f"- 제한 / limitations: {contract.limitations}",
        f"- tier: `{contract.tier}` · steward: {contract.steward} · retention: {contract.retention}",
        f"- 갱신 주기 / freshness SLA: {agreed['value']} {agreed['unit']} ({agreed['property']})" if agreed
        else "- 갱신 주기 / freshness SLA: none declared",
        f"- contract: `{_relative(contract)}` v{contract.version}",
    ]
    return "\n".join(lines)


def column_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.physical_type,
                description=f"{c.name_ko} — {c.description} [{c.tier}]",
                constraints=dg.TableColumnConstraints(nullable=not c.required, unique=c.unique),
                tags={"tier": c.tier, **({"quasi_identifier": "true"} if c.quasi_identifier else {}),
                      **({"direct_identifier": "true"} if c.direct_identifier else {})},
            )
            for c in table.columns
        ]
    )


def _relative(contract: Contract) -> str:
    return str(contract.path.relative_to(PROJECT_ROOT)) if contract.path else contract.id


def metadata(contract: Contract) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contract": dg.MetadataValue.path(_relative(contract)),
        "contract_version": contract.version,
        "tier": contract.tier,
        "purpose_code": contract.custom["purpose_code"],
        "legal_basis": str(contract.custom["legal_basis"]),
        "retention": contract.retention,
        "steward": contract.steward,
        "small_cell_min": contract.small_cell_min,
    }
    if len(contract.tables) == 1:
        data["dagster/column_schema"] = column_schema(contract.table)
        data["dagster/table_name"] = f"lake.{contract.table.physical_name}"
    else:
        data["tables"] = dg.MetadataValue.json({t.name: t.physical_name for t in contract.tables})
    return data


def spec_attributes(contract_id: str) -> dict[str, Any]:
    """The AssetSpec attributes a contract decides."""
    contract = get_contract(contract_id)
    agreed = sla(contract)
    return {
        "description": description(contract),
        "freshness_policy": dg.FreshnessPolicy.time_window(fail_window=agreed["max_age"]) if agreed else None,
        "owners": list(contract.owners),
        "tags": tags(contract),
        "group_name": group_name(contract),
        "metadata": metadata(contract),
    }
