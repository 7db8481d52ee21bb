"""OpenLineage run events for every asset a Dagster run materialized, so DataHub or Marquez see our lineage.

Read from the run's event log after the run (`emit_for_run`), so every asset is covered without touching
asset code. Per asset: its own OpenLineage run (START at its step's start, then COMPLETE or FAIL), whose
parent is the Dagster run; the Dagster run itself is a job run too.

Naming (documented choice): jobs live in namespace `gangseo-lakehouse`; a job is the asset (`zone.table`)
or the Dagster job. Datasets live in namespace `lakehouse://gangseo` and are named by their DuckLake table
`zone.table` (the contract's physicalName): the name a district's own DuckDB/DuckLake ingestion would show,
and stable whether the catalog is a DuckDB file or PostgreSQL. The catalog URI is never sent (a PostgreSQL
one can carry a password). An asset without a contract (e.g. `analyst/analyst_db`) is named by its key.

Events go to `data/lineage/openlineage.jsonl` (one JSON event a line) and, when `LAKEHOUSE_OPENLINEAGE_URL`
is set, to that endpoint (`LAKEHOUSE_OPENLINEAGE_ENDPOINT`, default Marquez's `api/v1/lineage`; DataHub's is
`openapi/openlineage/api/v1/lineage`; `LAKEHOUSE_OPENLINEAGE_API_KEY` for a bearer token). The file is the
record; the endpoint is best effort: the first failure stops sending for this run with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState, set_producer
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
    parent_run,
    schema_dataset,
)
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage.client.uuid import generate_static_uuid

from catalog.contracts import Contract, Table, load_contracts
from orchestration.lib.metadata import asset_key as contract_asset_key
from lake.settings import Settings

JOB_NAMESPACE = "gangseo-lakehouse"
DATASET_NAMESPACE = "lakehouse://gangseo"
PRODUCER = "urn:gangseo:ai-data-lakehouse"
LOG = logging.getLogger(__name__)

set_producer(PRODUCER)  # the client stamps it on every event and facet


def lineage_file(settings: Settings) -> Path:
    return settings.data_dir / "lineage" / "openlineage.jsonl"


def http_transport(env: Mapping[str, str] = os.environ) -> HttpTransport | None:
    url = env.get("LAKEHOUSE_OPENLINEAGE_URL")
    if not url:
        return None
    config: dict[str, Any] = {
        "url": url,
        "endpoint": env.get("LAKEHOUSE_OPENLINEAGE_ENDPOINT", "api/v1/lineage"),
        "timeout": 5.0,
        # The client's default (5 retries with backoff) would cost ~10 s per event on a dead endpoint.
        "retry": {"total": 1, "backoff_factor": 0.3, "status_forcelist": [502, 503, 504], "allowed_methods": ["POST"]},
    }
    if env.get("LAKEHOUSE_OPENLINEAGE_API_KEY"):
        config["auth"] = {"type": "api_key", "apiKey": env["LAKEHOUSE_OPENLINEAGE_API_KEY"]}
    return HttpTransport(HttpConfig.from_dict(config))


# --- datasets: asset key → DuckLake tables with their contract columns ---------------------------------


@dataclass(frozen=True)
class TableRef:
    name: str
    fields: tuple[schema_dataset.SchemaDatasetFacetFields, ...]


def _contract_fields(table: Table) -> tuple[schema_dataset.SchemaDatasetFacetFields, ...]:
    return tuple(
        schema_dataset.SchemaDatasetFacetFields(
            name=c.name, type=c.physical_type, description=f"{c.name_ko} — {c.description} [{c.tier}]", ordinal_position=i
        )
        for i, c in enumerate(table.columns, start=1)
    )


def _contract_tables(contracts: Iterable[Contract]) -> dict[dg.AssetKey, tuple[TableRef, ...]]:
    found: dict[dg.AssetKey, tuple[TableRef, ...]] = {}
    for contract in contracts:
        if contract.layer == "source":
            continue
        keys = {contract_asset_key(contract, t) for t in contract.tables} if contract.layer != "release" else {contract_asset_key(contract)}
        for key in keys:
            tables = [t for t in contract.tables if contract.layer == "release" or contract_asset_key(contract, t) == key]
            found[key] = tuple(TableRef(t.physical_name, _contract_fields(t)) for t in tables)
    return found


def _schema_fields(metadata: Mapping[str, Any]) -> tuple[schema_dataset.SchemaDatasetFacetFields, ...]:
    """Fallback for an asset without a contract: its `dagster/column_schema`."""
    value = metadata.get("dagster/column_schema")
    schema = getattr(value, "schema", value)
    if not isinstance(schema, dg.TableSchema):
        return ()
    return tuple(schema_dataset.SchemaDatasetFacetFields(name=c.name, type=c.type, description=c.description,
                                                         ordinal_position=i) for i, c in enumerate(schema.columns, 1))


def _column_lineage(metadata: Mapping[str, Any]) -> dg.TableColumnLineage | None:
    value = metadata.get("dagster/column_lineage")
    lineage = getattr(value, "column_lineage", value)
    return lineage if isinstance(lineage, dg.TableColumnLineage) else None


class Datasets:
    """Names and schemas of the datasets behind asset keys."""

    def __init__(self, specs: Mapping[dg.AssetKey, dg.AssetSpec], contracts: Iterable[Contract]):
        self.specs = specs
        self.by_contract = _contract_tables(contracts)

    def tables(self, key: dg.AssetKey) -> tuple[TableRef, ...]:
        if key in self.by_contract:
            return self.by_contract[key]
        spec = self.specs.get(key)
        return (TableRef(".".join(key.path), _schema_fields(spec.metadata) if spec else ()),)

    def table_with(self, key: dg.AssetKey, column: str) -> str:
        tables = self.tables(key)
        return next((t.name for t in tables if any(f.name == column for f in t.fields)), tables[0].name)

    def inputs(self, key: dg.AssetKey, lineage: dg.TableColumnLineage | None) -> list[InputDataset]:
        spec = self.specs.get(key)
        upstream = {d.asset_key for d in spec.deps} if spec else set()
        upstream |= {dep.asset_key for deps in (lineage.deps_by_column.values() if lineage else ()) for dep in deps}
        return [
            InputDataset(DATASET_NAMESPACE, t.name, facets=_schema_facet(t))
            for upstream_key in sorted(upstream, key=lambda k: k.to_user_string())
            for t in self.tables(upstream_key)
        ]

    def column_lineage_facet(self, lineage: dg.TableColumnLineage | None) -> column_lineage_dataset.ColumnLineageDatasetFacet | None:
        if not lineage or not lineage.deps_by_column:
            return None
        return column_lineage_dataset.ColumnLineageDatasetFacet(fields={
            column: column_lineage_dataset.Fields(inputFields=[
                column_lineage_dataset.InputField(DATASET_NAMESPACE, self.table_with(dep.asset_key, dep.column_name), dep.column_name)
                for dep in deps
            ])
            for column, deps in lineage.deps_by_column.items()
        })


def _schema_facet(table: TableRef) -> dict[str, Any]:
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=list(table.fields))} if table.fields else {}


# --- the run's event log → OpenLineage events ---------------------------------------------------------


def _time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat()


@dataclass
class AssetOutcome:
    """What the event log says about one planned asset of the run."""

    key: dg.AssetKey
    step_key: str
    started: float | None = None
    finished: float | None = None
    metadata: Mapping[str, Any] | None = None  # set when materialized
    error: str | None = None
    checks: list[data_quality_assertions_dataset.Assertion] | None = None


def _outcomes(instance: dg.DagsterInstance, run_id: str) -> tuple[dict[dg.AssetKey, AssetOutcome], dict[str, float]]:
    outcomes: dict[dg.AssetKey, AssetOutcome] = {}
    step_start: dict[str, float] = {}
    step_failure: dict[str, tuple[float, str]] = {}
    run_times: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            outcomes.setdefault(event.asset_key, AssetOutcome(event.asset_key, entry.step_key or ""))
        elif kind == DagsterEventType.STEP_START:
            step_start[entry.step_key] = entry.timestamp
        elif kind == DagsterEventType.STEP_FAILURE:
            step_failure[entry.step_key] = (entry.timestamp, _error_line(event.step_failure_data.error))
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            outcome = outcomes.setdefault(event.asset_key, AssetOutcome(event.asset_key, entry.step_key or ""))
            outcome.finished, outcome.metadata = entry.timestamp, event.step_materialization_data.materialization.metadata
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            outcome = outcomes.get(evaluation.asset_key)
            if outcome is not None:
                outcome.checks = [*(outcome.checks or []),
                                  data_quality_assertions_dataset.Assertion(assertion=evaluation.check_name, success=evaluation.passed)]
        elif kind in (DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            run_times[kind.name] = entry.timestamp
    for outcome in outcomes.values():
        outcome.started = step_start.get(outcome.step_key)
        if outcome.metadata is None and outcome.step_key in step_failure:
            outcome.finished, outcome.error = step_failure[outcome.step_key]
    return outcomes, run_times


def _error_line(error: Any) -> str:
    """The root cause's first line only: the endpoint is outside the lake, so no stack trace or row values."""
    while error is not None and error.cause is not None:
        error = error.cause
    return (error.message.strip().splitlines() or [""])[0][:500] if error is not None else ""


def _job_type(kind: str) -> dict[str, Any]:
    return {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DAGSTER", jobType=kind)}


def _asset_events(outcome: AssetOutcome, datasets: Datasets, parent: parent_run.ParentRunFacet, run_id: str) -> list[RunEvent]:
    if outcome.started is None or (outcome.metadata is None and outcome.error is None):
        return []  # skipped, or never reached: no run happened for this asset
    spec = datasets.specs.get(outcome.key)
    metadata = {**(spec.metadata if spec else {}), **(outcome.metadata or {})}
    lineage = _column_lineage(metadata)
    job = Job(JOB_NAMESPACE, ".".join(outcome.key.path), facets=_job_type("ASSET"))
    run = Run(str(generate_static_uuid(datetime.fromtimestamp(outcome.started, tz=timezone.utc),
                                       f"{run_id}/{outcome.key.to_user_string()}".encode())),
              facets={"parent": parent})
    inputs = datasets.inputs(outcome.key, lineage)
    outputs = [OutputDataset(DATASET_NAMESPACE, t.name, facets=_schema_facet(t)) for t in datasets.tables(outcome.key)]
    start = RunEvent(eventType=RunState.START, eventTime=_time(outcome.started), run=run, job=job, inputs=inputs, outputs=outputs)
    if outcome.error is not None:
        failed = Run(run.runId, facets={"parent": parent, "errorMessage": error_message_run.ErrorMessageRunFacet(
            message=outcome.error, programmingLanguage="python")})
        return [start, RunEvent(eventType=RunState.FAIL, eventTime=_time(outcome.finished), run=failed, job=job,
                                inputs=inputs, outputs=outputs)]
    completed = [_completed_output(o, outcome, datasets.column_lineage_facet(lineage), len(outputs) == 1) for o in outputs]
    return [start, RunEvent(eventType=RunState.COMPLETE, eventTime=_time(outcome.finished), run=run, job=job,
                            inputs=inputs, outputs=completed)]


def _completed_output(output: OutputDataset, outcome: AssetOutcome, lineage: Any, only_table: bool) -> OutputDataset:
    facets = dict(output.facets or {})
    if lineage is not None:
        facets["columnLineage"] = lineage
    if outcome.checks:
        facets["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(assertions=outcome.checks)
    row_count = (outcome.metadata or {}).get("dagster/row_count")
    output_facets = {}
    if only_table and row_count is not None:
        output_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
            rowCount=int(getattr(row_count, "value", row_count)))
    return OutputDataset(output.namespace, output.name, facets=facets, outputFacets=output_facets)


def run_events(instance: dg.DagsterInstance, run_id: str, specs: Iterable[dg.AssetSpec],
               contracts: Iterable[Contract] | None = None) -> list[RunEvent]:
    """Every OpenLineage event of one finished Dagster run, in time order."""
    dagster_run = instance.get_run_by_id(run_id)
    if dagster_run is None:
        raise ValueError(f"no Dagster run {run_id!r} in this instance")
    datasets = Datasets({s.key: s for s in specs}, load_contracts().values() if contracts is None else contracts)
    outcomes, run_times = _outcomes(instance, run_id)
    job = Job(JOB_NAMESPACE, dagster_run.job_name, facets=_job_type("JOB"))
    parent = parent_run.ParentRunFacet(run=parent_run.Run(runId=run_id),
                                       job=parent_run.Job(namespace=JOB_NAMESPACE, name=dagster_run.job_name))
    started = run_times.get("RUN_START") or instance.get_run_record_by_id(run_id).create_timestamp.timestamp()
    events = [RunEvent(eventType=RunState.START, eventTime=_time(started), run=Run(run_id), job=job)]
    for outcome in outcomes.values():
        events += _asset_events(outcome, datasets, parent, run_id)
    if "RUN_SUCCESS" in run_times:
        events.append(RunEvent(eventType=RunState.COMPLETE, eventTime=_time(run_times["RUN_SUCCESS"]), run=Run(run_id), job=job))
    elif "RUN_FAILURE" in run_times:
        events.append(RunEvent(eventType=RunState.FAIL, eventTime=_time(run_times["RUN_FAILURE"]), run=Run(run_id), job=job))
    return sorted(events, key=lambda e: datetime.fromisoformat(e.eventTime))  # stable: a run's START stays first


def emit_for_run(instance: dg.DagsterInstance, run_id: str, settings: Settings, defs: dg.Definitions,
                 env: Mapping[str, str] = os.environ) -> list[RunEvent]:
    """Write the run's OpenLineage events to the lineage file, then send them to the endpoint if one is set.

    `defs` gives each asset's upstream keys and definition metadata (`dagster/column_lineage` of dbt models):
    the event log records what happened, not the asset graph.
    """
    events = run_events(instance, run_id, defs.resolve_all_asset_specs())
    path = lineage_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(path), append=True)))
    for event in events:
        to_file.emit(event)
    transport = http_transport(env)
    if transport is not None:
        _send(OpenLineageClient(transport=transport), events)
    return events


def _send(client: OpenLineageClient, events: list[RunEvent]) -> None:
    for sent, event in enumerate(events):
        try:
            client.emit(event)
        except Exception as exc:  # noqa: BLE001 - the endpoint is best effort; the file is the record
            LOG.warning("OpenLineage endpoint failed after %d of %d events (%s); they are in the lineage file",
                        sent, len(events), exc)
            return
