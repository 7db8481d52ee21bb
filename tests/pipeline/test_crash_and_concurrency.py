"""A file is landed exactly once, whatever the interleaving: real processes race on one inbox, are killed
with SIGKILL at named points of an ingest (LAKEHOUSE_PAUSE_AT, lake/pause_points.py: the process blocks
there and the test kills it), and a lake that holds a file twice is repaired. Small generated inputs; the
ingest path (`ingest_file`, as the raw assets call it), not the whole main job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import make_settings
from lake.run_lock import RunLocked, run_lock
from lake.session import lake_session, lake_write, table_exists
from lake.settings import PROJECT_ROOT, Settings
from transforms.ingest import IngestFailed, ingest_file
from transforms.landing import inbox_files
from transforms.repair import repair_duplicate_landings

SOURCE = "childcare_meals"
RAW, QUARANTINE = "raw_identified.childcare_meals", "quarantine.childcare_meals"
HEADER = "어린이집코드,아동ID,반연령,급식일자,식사구분,메뉴명,알레르기번호,배식량(g),잔반량(g),열량(kcal),단백질(g)"

# Ingest every file of the inbox as the raw asset does; print one JSON result per file.
INGEST_INBOX = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from lake.settings import Settings
    from transforms.ingest import IngestFailed, ingest_file
    from transforms.landing import inbox_files
    data, keys, inbox, ready, go = map(Path, sys.argv[1:6])
    settings = Settings(data, keys)
    ready.touch()
    while not go.exists():  # everything imported: start together
        time.sleep(0.002)
    for path in inbox_files(inbox, "childcare_meals"):
        try:
            result = ingest_file(settings, "childcare_meals", path, f"proc-{os.getpid()}")
            print(json.dumps(result.as_json()), flush=True)
        except IngestFailed as exc:
            print(json.dumps({"file": path.name, "status": "failed", "error": str(exc)}), flush=True)
""")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Two extracts (a few invalid rows each, CP949 and UTF-8) and one that cannot be loaded."""
    root = tmp_path_factory.mktemp("inbox") / SOURCE
    root.mkdir()
    for n, encoding in enumerate(("cp949", "utf-8")):
        leftover = ["250.0" if i % 40 == 0 else "20.0" for i in range(200)]  # 5 rows leave more than served
        rows = [f"1150000000{n},CH{n}{i:07d},2,2026-01-0{5 + n},점심,밥/국,5.6,200.0,{leftover[i]},300.0,10.0"
                for i in range(200)]
        (root / f"extract_{n}.csv").write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    (root / "extract_9_broken.csv").write_bytes("어린이집코드,급식일자\n11500000001,2026-01-05\n".encode("cp949"))
    return root.parent


def ingest_all(settings: Settings, inbox: Path, run_id: str) -> list[dict]:
    results = []
    for path in inbox_files(inbox, SOURCE):
        try:
            results.append(ingest_file(settings, SOURCE, path, run_id).as_json())
        except IngestFailed as exc:
            results.append({"file": path.name, "status": "failed", "error": str(exc)})
    return results


def lake_state(settings: Settings) -> dict:
    """What a clean ingest determines: landing records (paths relative to the lake), rows and landing files."""
    with lake_session(settings, read_only=True) as con:
        files = con.execute(
            "SELECT source, sha256, original_name, replace(landing_path, ?, ''), encoding, size_bytes, status, rows, "
            "loaded, quarantined, reasons FROM lake.landing.files ORDER BY ALL", [str(settings.data_dir)]).fetchall()
        raw = con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM lake.{RAW} ORDER BY ALL").fetchall()
        quarantine = con.execute(f"SELECT * EXCLUDE (_quarantined_at) FROM lake.{QUARANTINE} ORDER BY ALL").fetchall()
    on_disk = sorted(str(p.relative_to(settings.landing_dir)) for p in settings.landing_dir.rglob("*") if p.is_file())
    return {"files": files, "raw": raw, "quarantine": quarantine, "landing_dir": on_disk}


@pytest.fixture(scope="module")
def clean(tmp_path_factory, inbox) -> dict:
    settings = make_settings(tmp_path_factory.mktemp("clean"))
    ingest_all(settings, inbox, "clean")
    state = lake_state(settings)
    assert len(state["files"]) == 3 and len(state["raw"]) == 2 * 195 and len(state["quarantine"]) == 2 * 5
    return state


def start_ingest(settings: Settings, inbox: Path, ready: Path, go: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_INBOX, str(settings.data_dir), str(settings.key_dir), str(inbox), str(ready), str(go)],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the process ended before its pause point: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the pause point was never reached")
        time.sleep(0.02)


# (a) two processes, one inbox, the same moment -----------------------------------------------------------

def test_two_processes_ingesting_one_inbox_at_once_land_each_file_once(tmp_path, inbox, clean):
    settings = make_settings(tmp_path)
    go = tmp_path / "go"
    racers = [start_ingest(settings, inbox, tmp_path / f"ready{n}", go) for n in range(2)]
    for n, racer in enumerate(racers):
        wait_for(tmp_path / f"ready{n}", racer)
    go.touch()  # both have imported everything: they start within a few milliseconds
    outputs = [racer.communicate(timeout=300) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), [err for _, err in outputs]
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    by_file: dict[str, list[str]] = {}
    for result in results:
        by_file.setdefault(result["file"], []).append(result["status"])
    for name in ("extract_0.csv", "extract_1.csv"):
        assert sorted(by_file[name]) == ["already_loaded", "loaded"], (name, by_file[name])
    assert by_file["extract_9_broken.csv"] == ["failed", "failed"]
    state = lake_state(settings)
    assert len(state["raw"]) == sum(r["loaded"] for r in results if r["status"] == "loaded")
    assert len(state["quarantine"]) == sum(r["quarantined"] for r in results if r["status"] == "loaded")
    assert state == clean  # one record per file (the broken one too), each batch once


# (b) SIGKILL at every step of an ingest, then the next ingest ---------------------------------------------

@pytest.mark.parametrize("point", [
    "ingest:hashed",         # the sha256 known, nothing written
    "ingest:landing_copy",   # a partial landing copy on disk, not renamed into place
    "ingest:landed",         # the landing copy whole, no record
    "ingest:before_commit",  # rows and record inserted in the open transaction, lake lock held
    "ingest:committed",      # the first file committed, the others not yet read
])
def test_a_process_killed_mid_ingest_leaves_nothing_half_done_and_the_next_ingest_converges(tmp_path, inbox, clean, point):
    settings = make_settings(tmp_path)
    go, flag = tmp_path / "go", tmp_path / "paused"
    go.touch()
    victim = start_ingest(settings, inbox, tmp_path / "ready", go, LAKEHOUSE_PAUSE_AT=point, LAKEHOUSE_PAUSE_FLAG=str(flag))
    wait_for(flag, victim)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    with lake_session(settings, read_only=True) as con:  # all or nothing: a record only with its rows
        def count(table: str) -> int:
            return con.execute(f"SELECT count(*) FROM lake.{table}").fetchone()[0] if table_exists(con, table) else 0
        recorded, rows = count("landing.files"), count(RAW)
    assert (recorded, rows) == ((1, 195) if point == "ingest:committed" else (0, 0))
    partials = list(settings.landing_dir.rglob(".*.partial"))
    assert bool(partials) is (point == "ingest:landing_copy")  # the kill came mid-copy: a partial, never the real name
    scratch = list((settings.spill_dir / "ingest").glob(f"{victim.pid}-*"))  # rows as delivered, left by the kill
    assert bool(scratch) is (point != "ingest:hashed")
    ingest_all(settings, inbox, "after-kill")
    assert not any(folder.exists() for folder in scratch)
    assert lake_state(settings) == clean
    leftovers = repair_duplicate_landings(settings)  # no duplicate; only what the killed transaction wrote
    assert not leftovers.removed_records and not leftovers.removed_rows
    assert bool(leftovers.removed_files) is (point == "ingest:before_commit")
    assert all(f.endswith(".parquet") for f in leftovers.removed_files)
    assert lake_state(settings) == clean


# (c) a lake that already holds a file twice ---------------------------------------------------------------

def duplicate_one_landing(settings: Settings, shift: str) -> tuple[str, int, int]:
    """What the old race left: a second record of a loaded file and a second copy of its rows, stamped
    `shift` later (zero: the same instant, rows told apart only by insertion order)."""
    with lake_write(settings, "landing/files", "racer") as con:
        sha, loaded, quarantined = con.execute(
            "SELECT sha256, loaded, quarantined FROM lake.landing.files WHERE original_name = 'extract_1.csv'").fetchone()
        con.execute(f"INSERT INTO lake.landing.files SELECT * REPLACE (received_at + INTERVAL '{shift}' AS received_at, "
                    "'racer' AS run_id) FROM lake.landing.files WHERE sha256 = ?", [sha])
        for table, stamp in ((RAW, "_loaded_at"), (QUARANTINE, "_quarantined_at")):
            con.execute(f"INSERT INTO lake.{table} SELECT * REPLACE ({stamp} + INTERVAL '{shift}' AS {stamp}) "
                        f"FROM lake.{table} WHERE _landing_sha256 = ?", [sha])
    return sha, loaded, quarantined


@pytest.mark.parametrize("shift", ["1 second", "0 seconds"])
def test_a_duplicated_landing_is_repaired_and_the_report_says_what_went(tmp_path, inbox, clean, shift):
    settings = make_settings(tmp_path)
    ingest_all(settings, inbox, "first")
    sha, loaded, quarantined = duplicate_one_landing(settings, shift)
    assert len(lake_state(settings)["raw"]) == len(clean["raw"]) + loaded

    preview = repair_duplicate_landings(settings, dry_run=True)
    assert preview.dry_run and preview.changed and len(lake_state(settings)["raw"]) == len(clean["raw"]) + loaded

    report = repair_duplicate_landings(settings)
    removed = [(r.file, r.sha256, r.run_id, r.status) for r in report.removed_records]
    assert removed == [("extract_1.csv", sha, "racer", "loaded")]
    assert {(r.table, r.sha256, r.rows) for r in report.removed_rows} == {(RAW, sha, loaded), (QUARANTINE, sha, quarantined)}
    assert [(r.file, r.run_id) for r in report.kept] == [("extract_1.csv", "first")]
    assert any("removed landing record" in line and "extract_1.csv" in line for line in report.lines())
    assert lake_state(settings) == clean
    assert not repair_duplicate_landings(settings).changed  # a second repair finds nothing


def test_the_repair_command_prints_its_report(tmp_path, inbox, monkeypatch):
    from cli.repair import commands

    settings = make_settings(tmp_path)
    ingest_all(settings, inbox, "first")
    sha, loaded, _ = duplicate_one_landing(settings, "1 second")
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LAKEHOUSE_KEY_DIR", str(settings.key_dir))
    result = CliRunner().invoke(commands, ["--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["run_id"] for r in report["removed_records"]] == ["racer"]
    assert {r["table"]: r["rows"] for r in report["removed_rows"]}[RAW] == loaded


# One main job at a time -----------------------------------------------------------------------------------

HOLD_RUN_LOCK = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from lake.run_lock import run_lock
    from lake.settings import Settings
    with run_lock(Settings(Path(sys.argv[1]), Path(sys.argv[2]))):
        Path(sys.argv[3]).touch()
        time.sleep(float(sys.argv[4]))
""")


def hold_run_lock(settings: Settings, flag: Path, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLD_RUN_LOCK, str(settings.data_dir), str(settings.key_dir),
                             str(flag), str(seconds)], cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)


def test_a_second_run_is_refused_naming_the_holder_then_waits_and_survives_a_killed_holder(tmp_path):
    settings = make_settings(tmp_path)
    flag = tmp_path / "holding"
    holder = hold_run_lock(settings, flag, 600)
    wait_for(flag, holder)
    with pytest.raises(RunLocked, match=rf"another lakehouse run holds .*\.run\.lock: pid {holder.pid} on \S+, started 20"):
        with run_lock(settings):
            pass
    holder.send_signal(signal.SIGKILL)  # the OS drops its lock; its holder file is stale
    holder.wait(timeout=60)
    with run_lock(settings, wait_seconds=30):
        assert json.loads((settings.data_dir / ".run.lock.holder.json").read_text())["pid"] == os.getpid()

    flag.unlink()
    brief = hold_run_lock(settings, flag, 1.0)
    wait_for(flag, brief)
    started = time.monotonic()
    with run_lock(settings, wait_seconds=60):  # waits for the holder to finish instead of refusing
        assert time.monotonic() - started > 0.2
    assert brief.wait(timeout=60) == 0
