"""A run builds what new data reaches: nothing when nothing is new, one source's downstream for a new file of
that source, and then the same marts as a cold build over the same inputs."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from lake.session import lake_session
from orchestration.runner import run_main
from transforms.run_plan import plan_run

from conftest import SAMPLES, make_settings

MEALS = SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv"
# What one more file of meal scans reaches, and nothing else.
MEALS_DOWNSTREAM = {
    "raw_identified/childcare_meals",
    "staging_pseudonymized/stg_childcare__meals",
    "curated_marts/daycare_meal_nutrition",
    "curated_marts/daycare_allergen_exposure",
    "release/daycare_food_scanner",
    "analyst/analyst_db",
}


def split_meals_by_last_day(folder) -> tuple[int, int]:
    """The sample's meal scans as history (every day but the last) and one more day, two CP949 files."""
    lines = MEALS.read_bytes().decode("cp949").splitlines()
    header, rows = lines[0], lines[1:]
    last_day = max(r.split(",")[3] for r in rows)
    history = [r for r in rows if r.split(",")[3] != last_day]
    day = [r for r in rows if r.split(",")[3] == last_day]
    (folder / MEALS.name).unlink()
    (folder / "history.csv").write_bytes(("\r\n".join([header, *history]) + "\r\n").encode("cp949"))
    (folder / f"day_{last_day}.csv").write_bytes(("\r\n".join([header, *day]) + "\r\n").encode("cp949"))
    return len(history), len(day)


def _cell(value):
    # A float sum or mean depends on the order DuckDB's threads add in (last bits); everything else is exact.
    return round(value, 9) if isinstance(value, float) else value


def marts(settings) -> dict[str, list[tuple]]:
    """Every mart and release, every row, in a stable order."""
    with lake_session(settings, read_only=True) as con:
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'lake' "
            "AND schema_name IN ('curated_marts', 'release') ORDER BY ALL").fetchall()]
        return {t: sorted((tuple(_cell(v) for v in row) for row in con.execute(f"SELECT * FROM lake.{t}").fetchall()),
                          key=repr)
                for t in tables}


def test_an_unchanged_inbox_runs_nothing(lake_copy):
    settings, _ = lake_copy
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    runs_before = instance.get_runs_count()
    summary = run_main(settings)
    assert summary.success and summary.run_id == "" and summary.assets_materialized == []
    assert summary.plan == "nothing new in the inbox"
    assert instance.get_runs_count() == runs_before  # no Dagster run at all
    assert plan_run(settings, full=True).full  # --all still rebuilds


@pytest.fixture(scope="module")
def two_step_lake(materialized, tmp_path_factory):
    """History first (a complete build), then the last day's file alone (what it reaches), with the cold
    build's pseudonymization keys so that pseudonyms compare."""
    cold_settings, _ = materialized
    root = tmp_path_factory.mktemp("two_step")
    inbox = root / "inbox"
    shutil.copytree(SAMPLES, inbox)
    day_files = root / "held_back"
    day_files.mkdir()
    split_meals_by_last_day(inbox / "childcare_meals")
    for day in (inbox / "childcare_meals").glob("day_*.csv"):
        day.rename(day_files / day.name)
    settings = make_settings(root)
    shutil.copytree(cold_settings.key_dir, settings.key_dir)
    mp = pytest.MonkeyPatch()
    mp.setenv("LAKEHOUSE_INBOX", str(inbox))
    try:
        history = run_main(settings)
        for day in day_files.iterdir():
            shutil.copy2(day, inbox / "childcare_meals" / day.name)
        plan = plan_run(settings)
        increment = run_main(settings)
        yield settings, history, plan, increment
    finally:
        mp.undo()


def test_a_new_file_runs_only_what_it_reaches(two_step_lake):
    _, history, plan, increment = two_step_lake
    assert history.success and history.full
    assert plan.sources == ("childcare_meals",) and plan.new_files == 1 and not plan.full
    assert increment.success and not increment.full, increment.failures
    assert set(increment.assets_materialized) == MEALS_DOWNSTREAM
    assert increment.checks_failed == []
    checked = {name.split(":")[0] for name in increment.checks_passed}
    assert {"raw_identified/childcare_meals", "curated_marts/daycare_meal_nutrition"} <= checked
    assert not any(name.startswith(("raw_identified/welfare", "curated_marts/commerce")) for name in increment.checks_passed)


def test_history_then_one_day_equals_a_cold_build(two_step_lake, materialized):
    settings, _, _, increment = two_step_lake
    cold_settings, cold = materialized
    assert increment.rows["raw_identified.childcare_meals"] == cold.rows["raw_identified.childcare_meals"]
    assert marts(settings) == marts(cold_settings)


def test_the_console_shows_one_line_per_step_and_the_log_file_holds_the_events(lake_copy, tmp_path):
    settings, _ = lake_copy
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "childcare_centers" / "one_more.xml").write_text(
        "<response><item><sigunname>강서구</sigunname><stcode>11500999998</stcode><crname>새싹어린이집</crname>"
        "<crtypename>가정</crtypename><crstatusname>정상</crstatusname><datastdrdt>2026-06-01</datastdrdt></item></response>",
        encoding="utf-8")
    env = {**os.environ, "LAKEHOUSE_DATA_DIR": str(settings.data_dir), "LAKEHOUSE_KEY_DIR": str(settings.key_dir),
           "LAKEHOUSE_INBOX": str(inbox), "COLUMNS": "200"}
    done = subprocess.run([str(Path(sys.executable).with_name("lakehouse")), "run"], env=env, capture_output=True,
                          text=True, timeout=900)
    console = done.stdout + done.stderr
    assert done.returncode == 0, console[-3000:]
    assert "DEBUG" not in console and "STEP_SUCCESS" not in console and "Traceback" not in console
    assert "✓ raw_identified__childcare_centers" in console and "1 new file(s) for childcare_centers" in console
    assert len(console.splitlines()) < 60, console
    log_file = Path(re.search(r"Full event log: (\S+)", done.stdout).group(1))
    log = log_file.read_text()
    assert "STEP_SUCCESS" in log and "DEBUG" in log and "dbt" in log
    again = subprocess.run([str(Path(sys.executable).with_name("lakehouse")), "run"], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "Nothing to run: nothing new in the inbox" in again.stdout
