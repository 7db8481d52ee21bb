"""Releases (the only thing the export gateway serves) and the analyst database (marts only)."""


import dagster as dg

from catalog.contracts import Contract, get_contract, load_contracts
from governance.analyst import publish_analyst_db
from lake.session import lake_write
from orchestration.lib.metadata import asset_key, spec_attributes
from orchestration.defs.resources import LakeResource


def _release_pairs(contract: Contract) -> list[tuple[str, str]]:
    marts = [t for mart_id in contract.custom["release_of"] for t in get_contract(mart_id).tables]
    return [(release.physical_name, mart.physical_name) for release, mart in zip(contract.tables, marts)]


def release_asset(contract: Contract) -> dg.AssetsDefinition:
    marts = [get_contract(m) for m in contract.custom["release_of"]]

    @dg.asset(key=asset_key(contract), deps=[asset_key(m) for m in marts], kinds={"duckdb"}, **spec_attributes(contract.id))
    def release(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        rows = {}
        asset = "/".join(asset_key(contract).path)
        with lake_write(lake.settings(), asset, context.run.run_id, contract.custom["purpose_code"]) as con:
            for target, source in _release_pairs(contract):
                con.execute(f"CREATE OR REPLACE TABLE lake.{target} AS SELECT * FROM lake.{source}")
                rows[target] = con.execute(f"SELECT count(*) FROM lake.{target}").fetchone()[0]
        return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.json(rows), "dagster/row_count": sum(rows.values())})

    return release


def mart_contracts() -> list[Contract]:
    return [c for c in load_contracts().values() if c.layer == "mart"]


def analyst_db_asset() -> dg.AssetsDefinition:
    @dg.asset(
        key=["analyst", "analyst_db"],
        deps=[asset_key(c) for c in mart_contracts()],
        group_name="analyst",
        kinds={"duckdb"},
        owners=["team:data-platform"],
        tags={"layer": "analyst", "tier": "internal"},
        description="The analysts' database: a copy of the curated marts only, opened read-only and sandboxed "
                    "by `lakehouse sql` (no external access, configuration locked). 분석가용 DB: 마트만 포함.",
    )
    def analyst_db(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        published = publish_analyst_db(lake.settings())
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(lake.settings().analyst_db)),
                                              "tables": dg.MetadataValue.json(published)})

    return analyst_db


def definitions() -> dg.Definitions:
    releases = [release_asset(c) for c in load_contracts().values() if c.layer == "release"]
    return dg.Definitions(assets=[*releases, analyst_db_asset()])
