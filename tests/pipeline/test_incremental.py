"""A run builds what new data reaches: nothing when nothing is new, one source's downstream for a new file of
that source, and then the same marts as a cold build over the same inputs, even when the first build was
killed half-way while a second `lakehouse run` was refused."""

import gc
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from bench.inbox import daily_sources, synthetic
from catalog.contracts import get_contract, load_contracts
from lake.session import lake_session
from orchestration.defs import build_definitions
from orchestration.lib.selection import planned_keys
from orchestration import runner
from orchestration.runner import run_main
from transforms.repair import repair_duplicate_landings
from transforms.run_plan import RunPlan, plan_run

from conftest import SAMPLES, comparable_rows, make_settings, sample_inbox_with_centre

MEALS = SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv"
CHILDCARE = ("childcare_centers", "childcare_meals")
# What one more file of meal scans reaches, and nothing else.
MEALS_DOWNSTREAM = {
    "raw_identified/childcare_meals",
    "staging_pseudonymized/stg_childcare__meals",
    "curated_marts/daycare_meal_nutrition",
    "curated_marts/daycare_allergen_exposure",
    "release/daycare_food_scanner",
    "analyst/analyst_db",
    "publication/iceberg_publication",
}


def is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def split_meals_by_last_day(folder) -> tuple[int, int]:
    """The sample's meal scans as history (every day but the last) and one more day, two CP949 files."""
    lines = MEALS.read_bytes().decode("cp949").splitlines()
    header, rows = lines[0], lines[1:]
    last_day = max(r.split(",")[3] for r in rows if is_date(r.split(",")[3]))  # the sample's dirty rows stay in history
    history = [r for r in rows if r.split(",")[3] != last_day]
    day = [r for r in rows if r.split(",")[3] == last_day]
    (folder / MEALS.name).unlink()
    (folder / "history.csv").write_bytes(("\r\n".join([header, *history]) + "\r\n").encode("cp949"))
    (folder / f"day_{last_day}.csv").write_bytes(("\r\n".join([header, *day]) + "\r\n").encode("cp949"))
    return len(history), len(day)


def childcare_marts() -> list[str]:
    """The marts and releases the childcare sources reach (the same selection a run uses)."""
    graph = build_definitions(make_settings(Path("unused"))).resolve_asset_graph()
    keys = planned_keys(graph, RunPlan(False, "", CHILDCARE))
    return sorted(t.physical_name for k in keys if k.path[0] in ("curated_marts", "release")
                  for t in get_contract(k.path[-1]).tables)


def marts(settings, tables: list[str]) -> dict[str, list[str]]:
    """These marts and releases, every row, comparable cell for cell."""
    with lake_session(settings, read_only=True) as con:
        return {t: comparable_rows(con, f"lake.{t}") for t in tables}


def test_an_unchanged_inbox_runs_nothing(lake_copy):
    settings, _ = lake_copy
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    runs_before = instance.get_runs_count()
    summary = run_main(settings)
    assert summary.success and summary.run_id == "" and summary.assets_materialized == []
    assert summary.plan == "nothing new in the inbox"
    assert instance.get_runs_count() == runs_before  # no Dagster run at all
    assert plan_run(settings, full=True).full  # --all still rebuilds


def lakehouse(settings, *args: str, **env: str) -> subprocess.Popen:
    """`lakehouse <args>` in its own process group (killing the group is a power cut: dbt dies with it)."""
    env = {**os.environ, "LAKEHOUSE_DATA_DIR": str(settings.data_dir), "LAKEHOUSE_KEY_DIR": str(settings.key_dir),
           "COLUMNS": "300", **env}
    return subprocess.Popen([str(Path(sys.executable).with_name("lakehouse")), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def kill_a_first_run_and_start_a_second(settings, root) -> tuple[dict, subprocess.CompletedProcess]:
    """A first `lakehouse run` frozen after its first file is committed, a second one started meanwhile
    (refused: it names the first), then the first killed with its whole process group."""
    flag = root / "paused"
    first = lakehouse(settings, "run", LAKEHOUSE_PAUSE_AT="ingest:committed", LAKEHOUSE_PAUSE_FLAG=str(flag))
    deadline = time.monotonic() + 300
    while not flag.exists():
        assert first.poll() is None, first.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "the first run never reached its pause point"
        time.sleep(0.05)
    second = lakehouse(settings, "run")
    out, err = second.communicate(timeout=300)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    with lake_session(settings, read_only=True) as con:
        landed = con.execute("SELECT count(*) FROM lake.landing.files").fetchone()[0]
    return ({"landed_before_kill": landed, "returncode": first.returncode},
            subprocess.CompletedProcess(second.args, second.returncode, out, err))


@pytest.fixture(scope="module")
def two_step_lake(materialized, tmp_path_factory):
    """The childcare domain's history first (a complete build; every other source's inbox is empty), then
    the last day's file alone (what it reaches), with the cold build's pseudonymization keys so that
    pseudonyms compare."""
    cold_settings, _ = materialized
    root = tmp_path_factory.mktemp("two_step")
    inbox = root / "inbox"
    for source in CHILDCARE:
        shutil.copytree(SAMPLES / source, inbox / source)
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
        killed, refused = kill_a_first_run_and_start_a_second(settings, root)
        history = run_main(settings)
        for day in day_files.iterdir():
            shutil.copy2(day, inbox / "childcare_meals" / day.name)
        plan = plan_run(settings)
        increment = run_main(settings)
        yield settings, history, plan, increment, killed, refused
    finally:
        mp.undo()


def test_a_new_file_runs_only_what_it_reaches(two_step_lake):
    _, history, plan, increment, *_ = two_step_lake
    assert history.success and history.full
    # a source with nothing in its inbox yet: empty tables, and its checks pass
    assert history.rows["raw_identified.welfare_iot_readings"] == 0
    assert "raw_identified/welfare_iot_readings:gx_contract_suite" in history.checks_passed
    assert plan.sources == ("childcare_meals",) and plan.new_files == 1 and not plan.full
    assert increment.success and not increment.full, increment.failures
    assert set(increment.assets_materialized) == MEALS_DOWNSTREAM
    assert increment.checks_failed == []
    checked = {name.split(":")[0] for name in increment.checks_passed}
    assert {"raw_identified/childcare_meals", "curated_marts/daycare_meal_nutrition"} <= checked
    assert not any(name.startswith(("raw_identified/welfare", "curated_marts/commerce")) for name in increment.checks_passed)


def changes_made_by(con, table: str, run_id: str) -> dict[str, int]:
    """Rows `table` lost and gained in the snapshot that `run_id` built it in (DuckLake's change feed)."""
    schema, name = table.split(".")
    snapshot = con.execute("SELECT max(snapshot_id) FROM lake.snapshots() WHERE commit_message = ?",
                           [f"asset={schema}/{name} run={run_id}"]).fetchone()[0]
    assert snapshot is not None, f"{table} was not built by run {run_id}"
    return dict(con.execute(f"SELECT change_type, count(*) FROM ducklake_table_changes('lake', '{schema}', '{name}', "
                            f"{snapshot}, {snapshot}) GROUP BY ALL").fetchall())


def test_history_then_one_day_equals_a_cold_build(two_step_lake, materialized):
    settings, _, _, increment, *_ = two_step_lake
    cold_settings, cold = materialized
    assert increment.rows["raw_identified.childcare_meals"] == cold.rows["raw_identified.childcare_meals"]
    tables = childcare_marts()
    assert "curated_marts.daycare_meal_nutrition" in tables and any(t.startswith("release.") for t in tables)
    assert marts(settings, tables) == marts(cold_settings, tables)
    # ...and the increment recomputed the new day and its week, not the history (incremental models)
    with lake_session(settings, read_only=True) as con:
        staged = changes_made_by(con, "staging_pseudonymized.stg_childcare__meals", increment.run_id)
        last_day = con.execute("SELECT count(*) FROM lake.staging_pseudonymized.stg_childcare__meals "
                               "WHERE meal_date = (SELECT max(meal_date) FROM lake.staging_pseudonymized.stg_childcare__meals)").fetchone()[0]
        total = con.execute("SELECT count(*) FROM lake.staging_pseudonymized.stg_childcare__meals").fetchone()[0]
        weekly = changes_made_by(con, "curated_marts.daycare_meal_nutrition", increment.run_id)
        cells = con.execute("SELECT count(*) FROM lake.curated_marts.daycare_meal_nutrition").fetchone()[0]
    assert staged == {"insert": last_day} and last_day < total
    assert 0 < weekly["insert"] < cells  # the new day's week only


def every_built_table() -> list[str]:
    """Every staging table, mart and release the contracts describe."""
    return sorted(t.physical_name for c in load_contracts().values() if c.layer in ("staging", "mart", "release")
                  for t in c.tables)


def test_one_more_day_of_every_daily_source_equals_a_complete_rebuild(lake_copy, tmp_path):
    """The committed sample's lake, one more day of every daily source (the synthetic generator's next
    day, which also revises days the sample holds), built incrementally, then `lakehouse run --all`
    (every model rebuilt from scratch over the same raw rows): a complete rebuild of an up-to-date lake
    changes nothing, every table the same, cell for cell."""
    settings, _ = lake_copy
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    synthetic(inbox, 0.002, daily_sources(), "--start-day", "30", "--days", "1")
    mp = pytest.MonkeyPatch()
    mp.setenv("LAKEHOUSE_INBOX", str(inbox))
    try:
        plan = plan_run(settings)
        frozen = []  # start-up's objects are out of the cyclic collector while steps run, and back after
        ahead = []  # the run has the GX step: GX is imported while the first steps work
        mp.setattr(runner, "import_ahead", lambda: ahead.append(True))
        increment = run_main(settings, on_step=lambda *_: frozen.append(gc.get_freeze_count()))
        assert frozen and min(frozen) > 0 and gc.get_freeze_count() == 0 and ahead == [True]
        tables = every_built_table()
        with lake_session(settings, read_only=True) as con:
            incremental = {t: comparable_rows(con, f"lake.{t}") for t in tables}
            for table in ("stg_welfare__call_logs", "stg_welfare__iot_readings", "stg_safety__smart_pole_counts"):
                assert changes_made_by(con, f"staging_pseudonymized.{table}", increment.run_id).get("insert")
        complete = run_main(settings, full=True)
    finally:
        mp.undo()
    assert set(plan.sources) == set(daily_sources()) and not plan.full
    assert increment.success and not increment.full, increment.failures
    assert complete.success and complete.full and complete.checks_failed == [], complete.failures
    assert complete.rows == increment.rows
    assert marts(settings, tables) == incremental


def test_the_console_shows_one_line_per_step_and_the_log_file_holds_the_events(lake_copy, tmp_path):
    settings, _ = lake_copy
    inbox = sample_inbox_with_centre(tmp_path / "inbox", "11500999998", "새싹어린이집", "2026-06-01")
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
    assert "Unable to do partial parsing" not in log  # the dbt profile is the same for this lake as for any other
    again = subprocess.run([str(Path(sys.executable).with_name("lakehouse")), "run"], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "Nothing to run: nothing new in the inbox" in again.stdout


def test_a_run_started_while_another_runs_is_refused_and_a_killed_run_leaves_nothing_to_repair(two_step_lake):
    settings, history, *_, killed, refused = two_step_lake
    assert killed["returncode"] == -signal.SIGKILL and killed["landed_before_kill"] == 1  # killed half-way
    assert refused.returncode == 1 and "another lakehouse run holds" in refused.stderr and "pid" in refused.stderr
    assert history.success and history.full  # the next run converged (the marts test compares them)
    report = repair_duplicate_landings(settings, dry_run=True)
    assert not report.removed_records and not report.removed_rows
