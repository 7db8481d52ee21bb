"""The Iceberg publication for other engines, after the releases and the analyst databases (governance/publish.py).

Downstream of every published release and of the analyst databases (which follow every analyst mart), so a
run that rebuilds any of them republishes: `lakehouse run`'s downstream selection picks it up by itself. It
rewrites only the tables whose lake rows changed; the others keep their Iceberg snapshot.
"""

import dagster as dg

from catalog.contracts import tier_rank
from governance.publish import published_contracts, publish_iceberg
from orchestration.defs.releases import ANALYST_DB
from orchestration.defs.resources import LakeResource
from orchestration.lib.metadata import asset_key


def iceberg_publication_asset() -> dg.AssetsDefinition:
    contracts = published_contracts()
    releases = [c for c in contracts if c.layer == "release"]

    @dg.asset(
        key=["publication", "iceberg_publication"],
        deps=[*(asset_key(c) for c in releases), ANALYST_DB],
        group_name="publication",
        kinds={"iceberg"},
        owners=["team:data-platform"],
        tags={"layer": "publication", "tier": max((c.tier for c in contracts), key=tier_rank, default="internal")},
        description="Every release and analyst mart below the export-only tier as an Apache Iceberg table "
                    "(pyiceberg SQL catalog), for engines that must not read DuckLake's files directly; each table "
                    "carries its contract's owner, tier and purpose. 타 엔진용 Iceberg 공개: 반출 전용 등급 미만만.",
        metadata={"tables": dg.MetadataValue.json(sorted(t.physical_name for c in contracts for t in c.tables))},
    )
    def iceberg_publication(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        publication = publish_iceberg(lake.settings(), context.run.run_id)
        return dg.MaterializeResult(metadata={
            "catalog": publication.catalog,  # masked: no password in the event log
            "warehouse": publication.warehouse,
            "tables": dg.MetadataValue.json({t.name: {"rows": t.rows, "snapshot_id": t.snapshot_id} for t in publication.tables}),
            "unchanged": dg.MetadataValue.json(publication.unchanged),  # kept: the lake table is what they copy
            "dropped": dg.MetadataValue.json(publication.dropped),
            "dagster/row_count": sum(t.rows for t in publication.tables),
        })

    return iceberg_publication


def definitions() -> dg.Definitions:
    return dg.Definitions(assets=[iceberg_publication_asset()])
