"""Run the main job in-process against a persistent Dagster instance (so the UI shows the history)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import dagster as dg

from catalog.contracts import load_contracts
from governance.audit import flush_access_spool
from lake.run_lock import run_lock
from lake.session import lake_session
from orchestration.lib.openlineage import emit_for_run
from lake.settings import Settings
from transforms.dbt_project import prepare_manifest

INSTANCE_YAML = "telemetry:\n  enabled: false\n"


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


@dataclass
class RunSummary:
    run_id: str
    success: bool
    assets_materialized: list[str] = field(default_factory=list)
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)


def table_rows(settings: Settings) -> dict[str, int]:
    rows = {}
    with lake_session(settings, read_only=True) as con:
        existing = {f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'lake'").fetchall()}
        for contract in load_contracts().values():
            for table in contract.tables:
                if table.physical_name in existing:
                    rows[table.physical_name] = con.execute(f"SELECT count(*) FROM lake.{table.physical_name}").fetchone()[0]
        for quarantine in sorted(t for t in existing if t.startswith("quarantine.")):
            rows[quarantine] = con.execute(f"SELECT count(*) FROM lake.{quarantine}").fetchone()[0]
    return rows


def run_main(settings: Settings, wait_seconds: float = 0.0) -> RunSummary:
    """The main job, holding the lake's run lock: a second job waits `wait_seconds`, then raises RunLocked."""
    with run_lock(settings, wait_seconds):
        summary = _run_main(settings)
        flush_access_spool(settings)  # queries answered while the job held the lake join the chained log
        return summary


def _run_main(settings: Settings) -> RunSummary:
    from orchestration.defs import build_definitions  # heavy: import on use

    prepare_manifest(settings)
    defs = build_definitions(settings)
    job = defs.resolve_job_def("lakehouse_main")
    instance = dagster_instance(settings)
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    summary = RunSummary(result.run_id, result.success)
    summary.assets_materialized = sorted(
        {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    )
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        (summary.checks_passed if evaluation.passed else summary.checks_failed).append(name)
    summary.failures = [
        f"{e.step_key}: {e.step_failure_data.error.message.strip() if e.step_failure_data.error else ''}"
        for e in result.all_events
        if e.is_step_failure
    ]
    summary.step_seconds = {
        e.step_key: round(e.event_specific_data.duration_ms / 1000, 2) for e in result.all_events if e.is_step_success
    }
    summary.rows = table_rows(settings)
    emit_for_run(instance, result.run_id, settings, defs)  # OpenLineage → data/lineage/openlineage.jsonl (+ LAKEHOUSE_OPENLINEAGE_URL)
    return summary
