"""Run the main job in-process against a persistent Dagster instance (so the UI shows the history)."""

from __future__ import annotations

import gc
import logging
import os
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dagster as dg

from catalog.contracts import load_contracts
from governance.audit import flush_access_spool
from lake.files import private_dir
from lake.run_lock import run_lock
from lake.session import ensure_zones, lake_session
from orchestration.lib.dagster_storage import write_instance_yaml
from orchestration.lib.openlineage import emit_for_run
from orchestration.lib.run_log import StepListener, close_run_log, failure_reason, listening, log_path, run_config
from orchestration.lib.selection import plan_tags, planned_keys, whole_lake
from lake.settings import Settings
from quality.gx_runner import import_ahead
from transforms.dbt_project import prepare_manifest
from transforms.run_plan import RunPlan, check_domains, plan_run, record_start, record_success

def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    write_instance_yaml(home)  # PostgreSQL storage when LAKEHOUSE_DAGSTER_PG_URL is set
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


@dataclass
class RunSummary:
    run_id: str
    success: bool
    plan: str = ""  # why this run ran what it ran (or nothing)
    full: bool = False
    log_file: str = ""  # every event of the run (data/logs/run-<run id>.log)
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


def run_main(settings: Settings, wait_seconds: float | None = 0.0, full: bool = False,
             on_step: StepListener | None = None, verbose: bool = False,
             domains: Collection[str] | None = None) -> RunSummary:
    """The main job on what new data reaches (everything when `full`) of `domains` (default every domain),
    holding their run lock: a second job waits `wait_seconds` (None: the backend's default,
    lake.run_lock.default_wait), then raises RunLocked. With nothing new, nothing runs.

    Every event goes to the run's log file; `on_step` hears of each finished step; `verbose` streams all."""
    with run_lock(settings, wait_seconds, check_domains(domains)):
        plan = plan_run(settings, full, domains)
        if plan.nothing_to_do:
            summary = RunSummary("", True, plan.reason)
        else:
            # Under the run lock: a second run is refused at once, even while this one's writer holds the lake.
            ensure_zones(settings)
            record_start(settings, plan)
            with listening(on_step):
                summary = _run_main(settings, plan, verbose)
            if summary.success:
                record_success(settings, plan)
        flush_access_spool(settings)  # queries answered while the job held the lake join the chained log
        return summary


@contextmanager
def _library_output_to(path) -> Iterator[None]:
    """Warnings and library log records during the run go to the run's log file, not the console."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        handler.close()


def _run_main(settings: Settings, plan: RunPlan, verbose: bool = False) -> RunSummary:
    from orchestration.defs import build_definitions  # heavy: import on use
    from orchestration.defs.gx_checks import checked_assets

    prepare_manifest(settings)
    defs = build_definitions(settings)
    job = defs.resolve_job_def("lakehouse_main")
    instance = dagster_instance(settings)
    selection = None if whole_lake(plan) else planned_keys(defs.resolve_asset_graph(), plan)
    run_id = str(uuid.uuid4())
    log_file = log_path(settings, run_id)
    private_dir(log_file.parent)
    # What start-up built (the libraries, the definitions) lives as long as the run: kept out of the cyclic
    # garbage collector's full passes, which otherwise walk it again and again while parsers make millions of
    # small objects (the IoT readings parsed 1.5-1.9 s a file in a process holding the definitions, 1.0 s so).
    gc.freeze()
    if selection is None or checked_assets().intersection(selection):  # the run has the GX step
        import_ahead()
    try:
        with _library_output_to(log_file):
            result = job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=selection,
                                            tags=plan_tags(plan), run_id=run_id,
                                            run_config=run_config(settings, run_id, verbose))
    finally:
        close_run_log(run_id)
        gc.unfreeze()  # a process that runs the job again (tests, a long-lived caller) collects them as before
    summary = RunSummary(result.run_id, result.success, plan.reason, plan.full, log_file=str(log_file))
    summary.assets_materialized = sorted(
        {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    )
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        (summary.checks_passed if evaluation.passed else summary.checks_failed).append(name)
    summary.failures = [f"{e.step_key}: {failure_reason(e.step_failure_data.error)}"
                        for e in result.all_events if e.is_step_failure]
    summary.step_seconds = {
        e.step_key: round(e.event_specific_data.duration_ms / 1000, 2) for e in result.all_events if e.is_step_success
    }
    summary.rows = table_rows(settings)
    emit_for_run(instance, result.run_id, settings, defs)  # OpenLineage → data/lineage/openlineage.jsonl (+ LAKEHOUSE_OPENLINEAGE_URL)
    instance.dispose()  # closes the event log's open connections (dagster_storage.PooledSqliteEventLogStorage)
    return summary
