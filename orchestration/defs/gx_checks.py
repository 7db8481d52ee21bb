"""The raw asset's blocking check on the batches a run landed: the contract's rules over every row in one
SQL query, and the GX suite derived from the contract on a seeded sample of at most the contract's
`gx_sample_rows` rows (memory stays bounded whatever a run lands)."""


import dagster as dg

from catalog.contracts import get_contract
from lake.session import lake_session
from orchestration.defs.resources import LakeResource
from orchestration.lib.metadata import asset_key
from quality.batch_rules import seeded_sample, violations
from quality.gx_runner import validate_batch
from transforms.ingest import META_COLUMNS
from transforms.sources import sources

# The check runs inside the run's process, beside an interpreter that holds Dagster, GX and pandas (~0.9 GiB by
# then): its queries (the rules over every landed row, the sample's top-N) spill past half the default limit.
# At SF 1 the meals' check peaked the process at 1.9 GiB with 1GB, 1.4 GiB with this, in about the same time.
CHECK_MEMORY_LIMIT = "512MB"


def _batches(con, source_id: str, run_id: str) -> list[str]:
    """Batches this run landed; if none (a re-run), the latest batch loaded for the source."""
    rows = con.execute(
        "SELECT sha256 FROM lake.landing.files WHERE source = ? AND status = 'loaded' AND run_id = ? ORDER BY received_at",
        [source_id, run_id],
    ).fetchall()
    if not rows:
        rows = con.execute(
            "SELECT sha256 FROM lake.landing.files WHERE source = ? AND status = 'loaded' ORDER BY received_at DESC LIMIT 1",
            [source_id],
        ).fetchall()
    return [r[0] for r in rows]


def gx_check(source_id: str) -> dg.AssetChecksDefinition:
    contract = get_contract(source_id)
    table = contract.table

    @dg.asset_check(
        asset=asset_key(contract),
        name="gx_contract_suite",
        blocking=True,
        description="The contract's rules over every row landed by this run (one SQL query), and the Great "
                    "Expectations suite derived from the contract on a seeded sample of them (gx_sample_rows).",
    )
    def check(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
        settings = lake.settings()
        with lake_session(settings, read_only=True) as con:
            con.execute(f"SET memory_limit = '{CHECK_MEMORY_LIMIT}'")
            batches = _batches(con, source_id, context.op_execution_context.run.run_id)
            if not batches:  # nothing ever landed: no suite to run (and no 6 s GX import)
                return dg.AssetCheckResult(passed=True, severity=dg.AssetCheckSeverity.ERROR,
                                           metadata={"batches": dg.MetadataValue.json([]), "rows_validated": 0})
            con.execute("SET VARIABLE landed_batches = ?", [batches])
            landed = (f"(SELECT * FROM lake.{table.physical_name} "
                      "WHERE _landing_sha256 IN (SELECT unnest(getvariable('landed_batches'))))")
            rows, broken = violations(con, landed, table)
            frame = seeded_sample(con, landed, list(META_COLUMNS), table.gx_sample_rows)
        outcome = validate_batch(settings.quality_dir, table, frame, batch_name="landed")
        return dg.AssetCheckResult(
            passed=outcome.success and not broken,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "batches": dg.MetadataValue.json(batches),
                "rows_landed": rows,
                "rows_breaking_contract_rules": dg.MetadataValue.json(broken),
                "rows_validated": outcome.rows,
                "expectations_evaluated": outcome.evaluated,
                "failed_expectations": dg.MetadataValue.json(outcome.failed),
                "data_docs": dg.MetadataValue.path(str(outcome.docs_index)),
            },
        )

    return check


def definitions() -> dg.Definitions:
    return dg.Definitions(asset_checks=[gx_check(s) for s in sources()])
