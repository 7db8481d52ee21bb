"""The dbt project as Dagster sees it: the contract-aware translator (keys, owners, groups, lineage)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings
from sqlglot.errors import SqlglotError

from catalog.lineage import LineageError, model_lineage, parents, relation
from orchestration.lib.metadata import spec_attributes

class ContractTranslator(DagsterDbtTranslator):
    """dbt nodes keyed zone/name like every other asset, described by their contracts."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        # dagster-dbt asks for a model's spec about a dozen times while loading; parse its SQL once.
        self._lineage: dict[str, tuple[Mapping[str, Any], dict[str, dg.TableColumnLineage]]] = {}

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        dagster_meta = dbt_resource_props.get("meta", {}).get("dagster", {})
        if "asset_key" in dagster_meta:
            return dg.AssetKey(dagster_meta["asset_key"])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "model":
            if self._lineage.get(unique_id, (None,))[0] is not manifest:
                self._lineage[unique_id] = (manifest, self.column_lineage(manifest, unique_id))
            spec = spec.merge_attributes(metadata=self._lineage[unique_id][1])
        contract_id = (props.get("config", {}).get("meta") or props.get("meta", {})).get("contract_id")
        if not contract_id:
            return spec
        attributes = spec_attributes(contract_id)
        return spec.replace_attributes(
            description=attributes["description"],
            owners=attributes["owners"],
            group_name=attributes["group_name"],
            tags={**spec.tags, **attributes["tags"]},
            freshness_policy=attributes["freshness_policy"],
        ).merge_attributes(metadata=attributes["metadata"])

    def column_lineage(self, manifest: Mapping[str, Any], unique_id: str) -> dict[str, dg.TableColumnLineage]:
        """`dagster/column_lineage` parsed from the model's SQL at definition time (no dbt run: the raw SQL
        is rendered when nothing compiled is current). Lineage is informative, so a model it cannot parse
        loads without it and a warning; tests pin the marts' lineage."""
        try:
            lineage = model_lineage(manifest, unique_id)
        except (LineageError, SqlglotError) as exc:
            logging.getLogger(__name__).warning("no column lineage for %s: %s", unique_id, exc)
            return {}
        # Upstream keys come from this translator, so a source's meta asset_key is honoured.
        keys = {relation(p): self.get_asset_key(p) for p in parents(manifest["nodes"][unique_id], manifest)}
        deps = {
            column: [dg.TableColumnDep(asset_key=keys.get(table, dg.AssetKey(table.split("."))), column_name=name)
                     for table, name in upstream]
            for column, upstream in lineage.items() if upstream  # constants have no upstream to draw
        }
        return {"dagster/column_lineage": dg.TableColumnLineage(deps_by_column=deps)}
