"""Releases (the only thing the export gateway serves) and the analyst databases (one per audience, marts only)."""


import dagster as dg

from catalog.contracts import Contract, get_contract, load_contracts, tier_rank
from catalog.registry import audiences
from governance.analyst import analyst_dir, analyst_marts, audience_marts, publish_analyst_dbs
from lake.session import lake_write_retrying
from orchestration.lib.metadata import asset_key, spec_attributes
from orchestration.defs.resources import LakeResource


def _release_pairs(contract: Contract) -> list[tuple[str, str]]:
    marts = [t for mart_id in contract.custom["release_of"] for t in get_contract(mart_id).tables]
    return [(release.physical_name, mart.physical_name) for release, mart in zip(contract.tables, marts)]


def release_asset(contract: Contract) -> dg.AssetsDefinition:
    marts = [get_contract(m) for m in contract.custom["release_of"]]

    @dg.asset(key=asset_key(contract), deps=[asset_key(m) for m in marts], kinds={"duckdb"}, **spec_attributes(contract.id))
    def release(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        asset = "/".join(asset_key(contract).path)

        def copy(con) -> dict[str, int]:
            rows = {}
            for target, source in _release_pairs(contract):
                con.execute(f"CREATE OR REPLACE TABLE lake.{target} AS SELECT * FROM lake.{source}")
                rows[target] = con.execute(f"SELECT count(*) FROM lake.{target}").fetchone()[0]
            return rows

        # On a PostgreSQL catalog a purge may change the same table meanwhile: re-run on a conflict.
        rows = lake_write_retrying(lake.settings(), asset, context.run.run_id, copy, contract.custom["purpose_code"])
        return dg.MaterializeResult(metadata={"rows": dg.MetadataValue.json(rows), "dagster/row_count": sum(rows.values())})

    return release


# The key keeps its name from when there was one database; it now builds one per audience.
ANALYST_DB = dg.AssetKey(["analyst", "analyst_db"])


def analyst_db_asset() -> dg.AssetsDefinition:
    marts = analyst_marts()
    @dg.asset(
        key=ANALYST_DB,
        deps=[asset_key(c) for c in marts],
        group_name="analyst",
        kinds={"duckdb"},
        owners=["team:data-platform"],
        tags={"layer": "analyst", "tier": max((c.tier for c in marts), key=tier_rank, default="internal")},
        description="The analysts' databases, one per audience (catalog/audiences.yaml), each holding only the marts "
                    "whose contract names that audience; person-level pseudonymized marts are in none. Opened "
                    "read-only and sandboxed by `lakehouse sql --audience` (no external access, configuration locked), "
                    "every query access-logged. 분석가용 DB: 대상별 마트만 포함, 가명 개인단위 마트 제외.",
        metadata={"audiences": dg.MetadataValue.json({a: [c.id for c in audience_marts(a)] for a in audiences()})},
    )
    def analyst_db(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        published = publish_analyst_dbs(lake.settings())
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(analyst_dir(lake.settings()))),
                                              "tables": dg.MetadataValue.json(published)})

    return analyst_db


def definitions() -> dg.Definitions:
    releases = [release_asset(c) for c in load_contracts().values() if c.layer == "release"]
    return dg.Definitions(assets=[*releases, analyst_db_asset()])
