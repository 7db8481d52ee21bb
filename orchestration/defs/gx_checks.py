"""The raw asset's blocking check on the batches a run landed: the contract's rules over every row in one
SQL query, and the GX suite derived from the contract on a seeded sample of at most the contract's
`gx_sample_rows` rows (memory stays bounded whatever a run lands).

Every raw asset's check runs in one step (a subsettable multi-asset check: a run checks the sources it
selected), in one GX session: one GX context and one Data Docs build per run instead of one per source, and
no step of its own per source (~0.5 s each on the committed sample). Steps run one at a time, and the dbt
step waits for every raw asset's check already, so one step loses no parallelism and blocks nothing more.
Each source keeps its own check and result (`<raw asset>:gx_contract_suite`)."""


import dagster as dg

from catalog.contracts import get_contract
from lake.session import lake_session
from orchestration.defs.resources import LakeResource
from orchestration.lib.metadata import asset_key
from quality.batch_rules import seeded_sample, violations
from quality.gx_runner import Validate, gx_session
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


CHECK_NAME = "gx_contract_suite"


def _result(con, validate: Validate, source_id: str, run_id: str) -> dg.AssetCheckResult:
    contract = get_contract(source_id)
    table = contract.table
    key = asset_key(contract)
    batches = _batches(con, source_id, run_id)
    if not batches:  # nothing ever landed: no suite to run
        return dg.AssetCheckResult(asset_key=key, check_name=CHECK_NAME, passed=True, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"batches": dg.MetadataValue.json([]), "rows_validated": 0})
    con.execute("SET VARIABLE landed_batches = ?", [batches])
    landed = (f"(SELECT * FROM lake.{table.physical_name} "
              "WHERE _landing_sha256 IN (SELECT unnest(getvariable('landed_batches'))))")
    rows, broken = violations(con, landed, table)
    frame = seeded_sample(con, landed, list(META_COLUMNS), table.gx_sample_rows)
    outcome = validate(table, frame, "landed")
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CHECK_NAME,
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


def checked_assets() -> set[dg.AssetKey]:
    """The raw assets this step checks: a run that materializes one runs the step."""
    return {asset_key(get_contract(s)) for s in sources()}


def gx_checks() -> dg.AssetChecksDefinition:
    keys = {dg.AssetCheckKey(asset_key(get_contract(s)), CHECK_NAME): s for s in sources()}

    @dg.multi_asset_check(
        name="raw_gx_contract_suites",
        specs=[dg.AssetCheckSpec(
            CHECK_NAME, asset=key.asset_key, blocking=True,
            description="The contract's rules over every row landed by this run (one SQL query), and the Great "
                        "Expectations suite derived from the contract on a seeded sample of them (gx_sample_rows).")
            for key in keys],
        can_subset=True,
    )
    def suites(context: dg.AssetCheckExecutionContext, lake: LakeResource):
        settings = lake.settings()
        run_id = context.op_execution_context.run.run_id
        chosen = [source for key, source in keys.items() if key in context.selected_asset_check_keys]
        with lake_session(settings, read_only=True) as con, gx_session(settings.quality_dir) as validate:
            con.execute(f"SET memory_limit = '{CHECK_MEMORY_LIMIT}'")
            results = [_result(con, validate, source, run_id) for source in chosen]
        yield from results  # after the session: its Data Docs are built

    return suites


def definitions() -> dg.Definitions:
    return dg.Definitions(asset_checks=[gx_checks()])
