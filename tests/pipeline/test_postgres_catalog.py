"""A PostgreSQL catalog shared by processes (`pytest --backend postgres`; skipped on the embedded backend).

Two `lakehouse run`s started together against one fresh PostgreSQL catalog, with Dagster's storage in
PostgreSQL too: both succeed, the marts equal the shared single-run lake's, the runs' history is in
PostgreSQL for any Dagster instance, and the catalog's password is nowhere a person or a log could see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

import backends
from bench.compare import differing_marts
from conftest import make_settings

pytestmark = pytest.mark.skipif(not backends.postgres(), reason="needs --backend postgres")
LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))


def password(url: str) -> str:
    from urllib.parse import urlsplit

    secret = urlsplit(url).password
    assert secret and len(secret) >= 6, "LAKEHOUSE_TEST_POSTGRES_URL must carry a password for these tests"
    return secret


def lake_env(settings, dagster_url: str = "", **extra: str) -> dict[str, str]:
    return {**os.environ, "LAKEHOUSE_DATA_DIR": str(settings.data_dir), "LAKEHOUSE_KEY_DIR": str(settings.key_dir),
            "LAKEHOUSE_CATALOG": settings.catalog, "LAKEHOUSE_DAGSTER_PG_URL": dagster_url, "COLUMNS": "300", **extra}


def start_run(settings, dagster_url: str = "") -> subprocess.Popen:
    return subprocess.Popen([LAKEHOUSE, "run"], env=lake_env(settings, dagster_url), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def two_runs(materialized, tmp_path_factory):
    """Two `lakehouse run` processes started together on one new PostgreSQL catalog, Dagster's storage in a
    PostgreSQL database of its own; beside them, in a catalog of its own, one single run to compare with
    (a process too: ingest stamps rows with the wall clock's date, which a subprocess does not share with
    the tests' fixed clock, and a mart's tie-break between two records of one camera hashes that stamp).
    All three use the shared lake's keys, so pseudonyms match; returns (pair, single, Dagster URL, results)."""
    keys = materialized[0].key_dir
    root = tmp_path_factory.mktemp("two_runs")
    pair, single = make_settings(root / "pair"), make_settings(root / "single")
    for lake in (pair, single):
        shutil.copytree(keys, lake.key_dir)
    dagster_url = backends.lake_database(root / "dagster")
    runs = [start_run(pair, dagster_url), start_run(pair, dagster_url), start_run(single)]
    outputs = [run.communicate(timeout=2400) for run in runs]
    results = [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs)]
    assert results[2][0] == 0, results[2][1] + results[2][2]
    return pair, single, dagster_url, results[:2]


def test_two_runs_started_together_both_succeed_and_the_marts_equal_a_single_runs(two_runs):
    settings, single, _, results = two_runs
    for code, out, err in results:
        assert code == 0, out + err
    # One built everything; the other waited for the run lock (PostgreSQL advisory lock), then found nothing new.
    assert sorted("Nothing to run" in out for _, out, _ in results) == [False, True], [out for _, out, _ in results]
    assert differing_marts(settings, single) == []


def test_the_runs_history_is_in_postgresql_and_another_instance_reads_it(two_runs):
    import psycopg2

    settings, _, dagster_url, _ = two_runs
    assert "postgres:" in (settings.dagster_home / "dagster.yaml").read_text()
    con = psycopg2.connect(dagster_url)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT run_id, status FROM runs")
            rows = cur.fetchall()
    finally:
        con.close()
    assert [status for _, status in rows] == ["SUCCESS"]
    other_home = settings.data_dir.parent / "other_dagster_home"  # a second operator's instance, same storage
    other_home.mkdir()
    os.environ["LAKEHOUSE_DAGSTER_PG_SQLALCHEMY_URL"] = dagster_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    (other_home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url:\n      env: LAKEHOUSE_DAGSTER_PG_SQLALCHEMY_URL\n")
    with dg.DagsterInstance.from_config(str(other_home)) as instance:
        [run] = instance.get_runs()
        assert run.run_id == rows[0][0] and run.is_success
        assert instance.all_logs(run.run_id), "the event log is in PostgreSQL too"


def test_the_catalog_password_reaches_no_log_console_error_or_dagster_resource(two_runs, tmp_path):
    from dagster._core.remote_representation.external_data import RepositorySnap
    from dagster_shared.serdes import serialize_value

    from orchestration.defs import build_definitions

    settings, _, _, results = two_runs
    secret = password(settings.catalog)
    for _, out, err in results:  # the console of both runs
        assert secret not in out + err
    logs = sorted((settings.data_dir / "logs").glob("run-*.log"))
    assert logs and not [p for p in logs if secret in p.read_text(encoding="utf-8", errors="replace")]
    leaked = [p for p in settings.data_dir.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaked == []  # nothing the lake keeps on disk (logs, dagster.yaml, manifests, lineage)
    # What the Dagster UI shows of the code location, resources included: the variable's name, no password.
    snapshot = serialize_value(RepositorySnap.from_def(build_definitions(settings).get_repository_def()))
    assert secret not in snapshot and "LAKEHOUSE_CATALOG" in snapshot
    # A wrong password: the error says so, and shows neither password.
    wrong = settings.catalog.replace(f":{secret}@", ":Wr0ng-pass-77@")
    refused = subprocess.run([LAKEHOUSE, "run", "--all"], env=lake_env(settings, LAKEHOUSE_CATALOG=wrong),
                             capture_output=True, text=True, timeout=600)
    shown = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "password authentication failed" in shown, shown
    assert secret not in shown and "Wr0ng-pass-77" not in shown and "***" in shown
