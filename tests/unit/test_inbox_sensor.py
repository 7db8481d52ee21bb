"""The inbox sensor and the nightly schedule request what `lakehouse run` would run, with the same selection."""

import shutil

import dagster as dg
import pytest

from orchestration.defs import build_definitions
from orchestration.defs.schedules import inbox_sensor, nightly
from orchestration.lib.selection import FULL_TAG, SOURCES_TAG, plan_from_tags
from transforms.ingest import ingest_file
from transforms.run_plan import record_success

from conftest import SAMPLES, record_complete_build

CENTRES_DOWNSTREAM = {
    "raw_identified/childcare_centers", "staging_pseudonymized/stg_childcare__centers",
    "curated_marts/daycare_meal_nutrition", "release/daycare_food_scanner", "analyst/analyst_db",
    "publication/iceberg_publication",
}


@pytest.fixture
def deployment(settings, tmp_path, monkeypatch):
    """The daemon's environment: the lake, an inbox with the centres' files, and the definitions."""
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES / "childcare_centers", inbox / "childcare_centers")
    for name, value in (("LAKEHOUSE_DATA_DIR", settings.data_dir), ("LAKEHOUSE_KEY_DIR", settings.key_dir),
                        ("LAKEHOUSE_INBOX", inbox)):
        monkeypatch.setenv(name, str(value))
    defs = build_definitions(settings)
    return settings, inbox, defs, dg.DagsterInstance.ephemeral()


def evaluate(sensor_or_schedule, defs, instance):
    repository = defs.get_repository_def()
    if isinstance(sensor_or_schedule, dg.SensorDefinition):
        context = dg.build_sensor_context(instance=instance, repository_def=repository)
    else:
        context = dg.build_schedule_context(instance=instance, repository_def=repository)
    return sensor_or_schedule(context)


def test_on_a_new_lake_the_sensor_asks_for_everything(deployment):
    settings, _, defs, instance = deployment
    request = evaluate(inbox_sensor, defs, instance)
    assert isinstance(request, dg.RunRequest) and request.tags[FULL_TAG] == "true"
    assert len(request.asset_selection) == len(defs.resolve_asset_graph().materializable_asset_keys)


def test_a_new_file_asks_for_what_it_reaches_and_nothing_new_skips(deployment):
    settings, inbox, defs, instance = deployment
    record_complete_build(settings)
    request = evaluate(inbox_sensor, defs, instance)
    assert {k.to_user_string() for k in request.asset_selection} == CENTRES_DOWNSTREAM
    assert request.tags[SOURCES_TAG] == "childcare_centers" and request.tags[FULL_TAG] == "false"
    assert request.run_config["loggers"]  # daemon runs log to data/logs/ too
    for path in sorted((inbox / "childcare_centers").iterdir()):
        ingest_file(settings, "childcare_centers", path, "sensor-run")
    skipped = evaluate(inbox_sensor, defs, instance)
    assert isinstance(skipped, dg.SkipReason)
    # The run was recorded as started by the sensor and has not succeeded: the nightly run picks it up,
    # the sensor (no new file) does not.
    nightly_request = evaluate(nightly, defs, instance)
    assert isinstance(nightly_request, dg.RunRequest)
    assert {k.to_user_string() for k in nightly_request.asset_selection} == CENTRES_DOWNSTREAM
    record_success(settings, plan_from_tags(nightly_request.tags))
    assert isinstance(evaluate(nightly, defs, instance), dg.SkipReason)


def test_the_sensor_waits_while_a_main_job_is_queued_or_running(deployment):
    settings, _, defs, instance = deployment
    record_complete_build(settings)
    instance.add_run(dg.DagsterRun(job_name="lakehouse_main", run_id="running-run", status=dg.DagsterRunStatus.STARTED))
    skipped = evaluate(inbox_sensor, defs, instance)
    assert isinstance(skipped, dg.SkipReason) and "queued or running" in skipped.skip_message
