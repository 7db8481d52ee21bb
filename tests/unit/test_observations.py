"""Latest checks and freshness read from a real Dagster instance in a temporary DAGSTER_HOME."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from catalog.contracts import get_contract, load_contracts
from catalog.freshness import sla
from orchestration.lib.observations import freshness, key_facts, latest_checks, observed
from lake.settings import Settings

MEALS = dg.AssetKey(["raw_identified", "childcare_meals"])  # contract SLA: frequency 1 d
CENTERS = dg.AssetKey(["raw_identified", "childcare_centers"])  # contract SLA: frequency 1 m (a month)
NUTRITION = dg.AssetKey(["curated_marts", "daycare_meal_nutrition"])  # never materialized here

ACHIEVED_K: list[int] = []  # the k each run's check achieves, in run order


@dg.asset(key=MEALS)
def meals() -> None:
    return None


@dg.asset(key=CENTERS)
def centers() -> None:
    return None


@dg.asset_check(asset=MEALS, description="k-anonymity like the privacy gate")
def k_anonymity() -> dg.AssetCheckResult:
    k = ACHIEVED_K.pop(0)
    return dg.AssetCheckResult(
        passed=k >= 5,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"evidence": dg.MetadataValue.json([{"k_min": 5, "k_achieved": k, "rows_below_k": 0 if k >= 5 else 4}]),
                  "findings": dg.MetadataValue.json([] if k >= 5 else [f"k = {k} < 5"])},
    )


@dg.asset_check(asset=MEALS)
def row_count_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"rows": 12})


@dg.asset_check(asset=CENTERS)
def source_reachable() -> dg.AssetCheckResult:
    raise RuntimeError("the check itself broke")


DEFS = dg.Definitions(
    assets=[meals, centers],
    asset_checks=[k_anonymity, row_count_positive, source_reachable],
    jobs=[dg.define_asset_job("test_observations_job", executor_def=dg.in_process_executor)],
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> dg.DagsterInstance:
    home = tmp_path_factory.mktemp("observations") / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})
    job = DEFS.resolve_job_def("test_observations_job")
    ACHIEVED_K[:] = [3, 6]  # the first run's check fails, the second's passes
    first = job.execute_in_process(instance=instance, raise_on_error=False)
    assert [e.passed for e in first.get_asset_check_evaluations() if e.check_name == "k_anonymity"] == [False]
    job.execute_in_process(instance=instance, raise_on_error=False)
    return instance


def test_a_failing_check_is_reported_with_its_evidence(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})
    ACHIEVED_K[:] = [3]
    DEFS.resolve_job_def("test_observations_job").execute_in_process(instance=instance, raise_on_error=False)
    checks = {c["check"]: c for c in latest_checks(instance, MEALS)}
    assert set(checks) == {"k_anonymity", "row_count_positive"}
    failed = checks["k_anonymity"]
    assert (failed["passed"], failed["severity"]) == (False, "ERROR")
    assert failed["facts"] == {"findings": ["k = 3 < 5"], "k_min": 5, "k_achieved": 3, "rows_below_k": 4}
    assert checks["row_count_positive"]["facts"] == {"rows": 12}
    datetime.fromisoformat(failed["time"])


def test_latest_checks_show_the_latest_run(instance):
    checks = {c["check"]: c for c in latest_checks(instance, MEALS)}
    assert checks["k_anonymity"]["passed"] is True
    assert checks["k_anonymity"]["facts"]["k_achieved"] == 6
    latest_run = instance.get_latest_materialization_event(MEALS).run_id
    assert {c["run_id"] for c in checks.values()} == {latest_run}


def test_a_check_that_did_not_run_has_no_verdict(instance):
    (check,) = latest_checks(instance, CENTERS)
    assert (check["check"], check["passed"], check["time"], check["facts"]) == ("source_reachable", None, None, {})


def test_an_asset_never_built_has_no_checks(instance):
    assert latest_checks(instance, NUTRITION) == []


def test_freshness_against_the_contract_frequency(instance):
    built = datetime.fromtimestamp(instance.get_latest_materialization_event(MEALS).timestamp, tz=timezone.utc)
    contract = get_contract("childcare_meals")
    fresh = freshness(instance, MEALS, contract, now=built + timedelta(hours=23))
    assert (fresh["status"], fresh["sla"]) == ("fresh", "1 d (frequency)")
    assert datetime.fromisoformat(fresh["due_by"]) == (built + timedelta(days=1)).replace(microsecond=0)
    assert freshness(instance, MEALS, contract, now=built + timedelta(days=1, minutes=1))["status"] == "stale"


def test_a_month_is_a_calendar_month(instance):
    built = datetime.fromtimestamp(instance.get_latest_materialization_event(CENTERS).timestamp, tz=timezone.utc)
    contract = get_contract("childcare_centers")
    assert freshness(instance, CENTERS, contract, now=built + timedelta(days=27))["status"] == "fresh"
    assert freshness(instance, CENTERS, contract, now=built + timedelta(days=32))["status"] == "stale"


def test_never_built_and_no_sla(instance):
    never = freshness(instance, NUTRITION, get_contract("daycare_meal_nutrition"))
    assert (never["status"], never["last_materialization"], never["sla"]) == ("never", None, "7 d (freshness)")
    release = get_contract("daycare_food_scanner")  # states retention only
    assert sla(release) is None


def test_every_contract_sla_is_readable():
    for contract in load_contracts().values():
        sla(contract)  # raises on a unit it cannot read


def test_key_facts_keep_per_table_values_apart():
    facts = key_facts({"evidence": [{"k_achieved": 5, "table": "a"}, {"k_achieved": 9, "table": "b"}], "rows": 3})
    assert facts == {"rows": 3, "k_achieved": [5, 9], "table": ["a", "b"]}


def test_observed_reads_the_settings_instance_and_copes_without_one(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", key_dir=tmp_path / "keys")
    contract = get_contract("childcare_meals")
    assert observed(settings, contract) == {"checks": [], "freshness": {
        "last_materialization": None, "run_id": None, "sla": "1 d (frequency)", "due_by": None, "status": "never"}}
    assert not settings.dagster_home.exists()  # a read-only command creates nothing
    settings.dagster_home.mkdir(parents=True)
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # what run_main writes
    ACHIEVED_K[:] = [7]
    DEFS.resolve_job_def("test_observations_job").execute_in_process(
        instance=dg.DagsterInstance.local_temp(str(settings.dagster_home)), raise_on_error=False)
    seen = observed(settings, contract)
    assert seen["freshness"]["status"] == "fresh"
    assert {c["check"]: c["facts"].get("k_achieved") for c in seen["checks"]} == {"k_anonymity": 7, "row_count_positive": None}
