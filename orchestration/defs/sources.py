"""Per source: the external source (an inbox folder) and its raw asset, which ingests every file in it."""


import json

import dagster as dg

from catalog.contracts import get_contract
from transforms.ingest import IngestFailed, ensure_ingest_tables, ingest_files
from transforms.landing import inbox_files
from transforms.run_plan import files_to_ingest, remember_loaded, size_and_mtime
from lake.session import ensure_zones, lake_write
from orchestration.lib.metadata import asset_key, group_name, source_key, spec_attributes
from orchestration.defs.resources import LakeResource
from quality.gx_runner import docs_index
from transforms.source import Source
from transforms.sources import sources


def source_spec(source: Source) -> dg.AssetSpec:
    contract = get_contract(source.id)
    return dg.AssetSpec(
        key=source_key(contract),
        description=f"External source, read from the inbox folder `{source.id}/`. Formats: " + "; ".join(source.formats),
        group_name=group_name(contract, "source"),
        owners=list(contract.owners),
        kinds={s.lstrip(".") for s in source.suffixes},
        tags={"domain": contract.domain, "layer": "source"},
    )


def raw_asset(source: Source) -> dg.AssetsDefinition:
    contract = get_contract(source.id)

    @dg.asset(
        key=asset_key(contract),
        deps=[source_key(contract)],
        kinds={"polars", "duckdb"},
        **spec_attributes(source.id),
    )
    def ingest(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        settings = lake.settings()
        # Not the files the inbox's hash cache knows are loaded (the run's plan refreshed it): each would be
        # hashed again to be found `already_loaded`.
        files = files_to_ingest(settings, source.id)
        if not files:  # otherwise ingest's first lake session creates the zones (~0.1 s a step less)
            ensure_zones(settings, context.run.run_id)
        results, failures, loaded = [], [], {}
        before = {path: size_and_mtime(path) for path in files if path.is_file()}  # for the hash cache (remember_loaded)
        for path, outcome in ingest_files(settings, source.id, files, context.run.run_id):
            if isinstance(outcome, IngestFailed):
                failures.append(str(outcome))
                context.log.error(str(outcome))
                continue
            results.append(outcome)
            loaded[path] = (before[path], outcome.sha256)
            context.log.info(f"{path.name}: {outcome.status}, {outcome.records} records, {outcome.rows} rows read, "
                             f"loaded {outcome.loaded}, quarantined {outcome.quarantined}")
        remember_loaded(settings, loaded)
        if failures:
            raise dg.Failure(description="Files that could not be parsed (kept in landing, recorded as failed): " + " | ".join(failures))
        new = [r for r in results if r.status == "loaded"]
        reasons: dict[str, int] = {}
        for r in new:
            for code, count in r.reasons.items():
                reasons[code] = reasons.get(code, 0) + count
        with lake_write(settings, "/".join(asset_key(contract).path), context.run.run_id, contract.custom["purpose_code"]) as con:
            ensure_ingest_tables(con, source.id)  # an empty inbox still leaves the (empty) tables downstream reads
            total = con.execute(f"SELECT count(*) FROM lake.{contract.table.physical_name}").fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "files_seen": len(inbox_files(settings.inbox_dir, source.id)),
                "files_loaded_now": len(new),
                "records_read": sum(r.records for r in new),
                "rows_read": sum(r.rows for r in new),
                "rows_loaded": sum(r.loaded for r in new),
                "rows_quarantined": sum(r.quarantined for r in new),
                "quarantine_reasons": dg.MetadataValue.json(reasons),
                "landed_batches": dg.MetadataValue.json([{"file": r.file, "sha256": r.sha256, "encoding": r.encoding} for r in new]),
                "unmapped_source_fields": dg.MetadataValue.json(sorted({f for r in new for f in r.unmapped_fields})),
                "dagster/row_count": total,
                "gx_data_docs": dg.MetadataValue.path(str(docs_index(settings.quality_dir))),
            }
        )

    return ingest


def definitions() -> dg.Definitions:
    return dg.Definitions(assets=[asset for s in sources().values() for asset in (source_spec(s), raw_asset(s))])
