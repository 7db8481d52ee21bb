"""OpenLineage events from a small real Dagster run: file (JSON Lines) and an HTTP endpoint on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import jsonschema
import pytest

from catalog.contracts import get_contract, load_contracts
from orchestration.lib.openlineage import DATASET_NAMESPACE, Datasets, emit_for_run, lineage_file
from lake.settings import Settings

MEALS = dg.AssetKey(["raw_identified", "childcare_meals"])  # a real contract: schema comes from it
SUMMARY = dg.AssetKey(["curated_marts", "test_meal_summary"])  # no contract: schema from its metadata
BROKEN = dg.AssetKey(["curated_marts", "test_broken"])


@dg.asset(key=MEALS)
def meals() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 3})


@dg.asset(
    key=SUMMARY,
    deps=[MEALS],
    metadata={
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn("center_id", "VARCHAR"),
                                                         dg.TableColumn("meals", "BIGINT")]),
        "dagster/column_lineage": dg.TableColumnLineage(deps_by_column={
            "center_id": [dg.TableColumnDep(asset_key=MEALS, column_name="center_id")],
        }),
    },
)
def summary() -> None:
    return None


@dg.asset_check(asset=SUMMARY)
def summary_not_empty() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@dg.asset(key=BROKEN, deps=[SUMMARY])
def broken() -> None:
    raise RuntimeError("upstream file missing")


DEFS = dg.Definitions(
    assets=[meals, summary, broken],
    asset_checks=[summary_not_empty],
    jobs=[dg.define_asset_job("test_lineage_job", executor_def=dg.in_process_executor)],
)

# The parts of the OpenLineage 2-0-2 RunEvent schema every consumer relies on.
RUN_EVENT_SCHEMA = {
    "type": "object",
    "required": ["eventType", "eventTime", "run", "job", "producer", "schemaURL"],
    "properties": {
        "eventType": {"enum": ["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "eventTime": {"type": "string", "format": "date-time"},
        "producer": {"type": "string", "format": "uri"},
        "schemaURL": {"type": "string", "pattern": r"^https://openlineage\.io/spec/.*RunEvent$"},
        "run": {"type": "object", "required": ["runId"], "properties": {"runId": {"type": "string", "format": "uuid"}}},
        "job": {"type": "object", "required": ["namespace", "name"]},
        "inputs": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
        "outputs": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
    },
    "$defs": {"dataset": {"type": "object", "required": ["namespace", "name"], "properties": {
        "facets": {"type": "object", "additionalProperties": {"type": "object", "required": ["_producer", "_schemaURL"]}}}}},
}


def dagster_instance(home: Path) -> dg.DagsterInstance:
    """A throwaway instance in its own DAGSTER_HOME folder, like the one run_main uses."""
    home.mkdir(parents=True)
    return dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append((self.path, json.loads(body)))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint():
    Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", Recorder.received
    server.shutdown()


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory, endpoint):
    root = tmp_path_factory.mktemp("openlineage")
    instance = dagster_instance(root / "dagster_home")
    result = DEFS.resolve_job_def("test_lineage_job").execute_in_process(instance=instance, raise_on_error=False)
    settings = Settings(data_dir=root / "data", key_dir=root / "keys")
    url, received = endpoint
    events = emit_for_run(instance, result.run_id, settings, DEFS, env={"LAKEHOUSE_OPENLINEAGE_URL": url})
    lines = lineage_file(settings).read_text().splitlines()
    return result.run_id, [json.loads(line) for line in lines], received, events


def by_job(events: list[dict], name: str) -> list[dict]:
    return [e for e in events if e["job"]["name"] == name]


def test_file_is_json_lines_of_valid_run_events(emitted):
    _, from_file, _, events = emitted
    assert len(from_file) == len(events) == 8  # job START/FAIL + 2 × (START, COMPLETE) + broken (START, FAIL)
    checker = jsonschema.Draft202012Validator(RUN_EVENT_SCHEMA, format_checker=jsonschema.FormatChecker())
    for event in from_file:
        checker.validate(event)
        uuid.UUID(event["run"]["runId"])
    times = [e["eventTime"] for e in from_file]
    assert times == sorted(times)


def test_each_asset_is_a_run_whose_parent_is_the_dagster_run(emitted):
    run_id, from_file, _, _ = emitted
    assert [e["eventType"] for e in by_job(from_file, "test_lineage_job")] == ["START", "FAIL"]
    assert {e["run"]["runId"] for e in by_job(from_file, "test_lineage_job")} == {run_id}
    for job, end in (("raw_identified.childcare_meals", "COMPLETE"), ("curated_marts.test_meal_summary", "COMPLETE"),
                     ("curated_marts.test_broken", "FAIL")):
        start, finish = by_job(from_file, job)
        assert (start["eventType"], finish["eventType"]) == ("START", end)
        assert start["run"]["runId"] == finish["run"]["runId"] != run_id
        assert finish["run"]["facets"]["parent"]["run"]["runId"] == run_id
        assert finish["run"]["facets"]["parent"]["job"]["name"] == "test_lineage_job"
    failed = by_job(from_file, "curated_marts.test_broken")[1]
    assert failed["run"]["facets"]["errorMessage"]["message"] == "RuntimeError: upstream file missing"


def test_inputs_outputs_and_schema_come_from_contracts_and_metadata(emitted):
    _, from_file, _, _ = emitted
    meals_done = by_job(from_file, "raw_identified.childcare_meals")[1]
    (output,) = meals_done["outputs"]
    assert (output["namespace"], output["name"]) == (DATASET_NAMESPACE, "raw_identified.childcare_meals")
    contract_columns = [c.name for c in get_contract("childcare_meals").table.columns]
    assert [f["name"] for f in output["facets"]["schema"]["fields"]] == contract_columns
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 3

    summary_done = by_job(from_file, "curated_marts.test_meal_summary")[1]
    assert [(i["namespace"], i["name"]) for i in summary_done["inputs"]] == [(DATASET_NAMESPACE, "raw_identified.childcare_meals")]
    (output,) = summary_done["outputs"]
    assert [f["name"] for f in output["facets"]["schema"]["fields"]] == ["center_id", "meals"]
    assert output["facets"]["columnLineage"]["fields"]["center_id"]["inputFields"] == [
        {"namespace": DATASET_NAMESPACE, "name": "raw_identified.childcare_meals", "field": "center_id", "transformations": []}]
    assert output["facets"]["dataQualityAssertions"]["assertions"] == [
        {"assertion": "summary_not_empty", "success": True, "params": {}}]


def test_endpoint_received_the_same_events(emitted):
    _, from_file, received, _ = emitted
    assert {path for path, _ in received} == {"/api/v1/lineage"}
    assert [body for _, body in received] == from_file


def closed_port_url() -> str:
    """A 127.0.0.1 URL on which nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_dead_endpoint_does_not_stop_the_file(tmp_path: Path):
    instance = dagster_instance(tmp_path / "dagster_home")
    result = DEFS.resolve_job_def("test_lineage_job").execute_in_process(instance=instance, raise_on_error=False)
    settings = Settings(data_dir=tmp_path / "data", key_dir=tmp_path / "keys")
    started = time.monotonic()
    events = emit_for_run(instance, result.run_id, settings, DEFS, env={"LAKEHOUSE_OPENLINEAGE_URL": closed_port_url()})
    assert time.monotonic() - started < 10  # gives up on the endpoint instead of retrying every event
    assert len(lineage_file(settings).read_text().splitlines()) == len(events) == 8


def test_release_assets_name_their_physical_tables():
    datasets = Datasets({}, load_contracts().values())
    names = [t.name for t in datasets.tables(dg.AssetKey(["release", "daycare_food_scanner"]))]
    assert names == ["release.daycare_meal_nutrition", "release.daycare_allergen_exposure"]
    assert [t.name for t in datasets.tables(dg.AssetKey(["analyst", "analyst_db"]))] == ["analyst.analyst_db"]
