"""Runs of different domains in parallel on one PostgreSQL catalog (`pytest --backend postgres`; skipped on
the embedded backend, which has one writer).

`lakehouse run --domain childcare` and `lakehouse run --domain commerce` start together on one new catalog and
one data folder, Dagster's storage in PostgreSQL: both succeed, they overlap in time (each holds only its
domain's run lock), their marts equal the shared single-run lake's, and the other domains are left for a
later run. Childcare and commerce are the two smallest domains, and their marts depend on no wall-clock
stamp (unlike the CCTV tie-break of safety), so the shared lake, built on the tests' fixed clock, is the
single run to compare with: no third build.
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
DOMAINS = ("childcare", "commerce")


@pytest.fixture(scope="module")
def domain_runs(materialized, tmp_path_factory):
    """The two domain runs started together; returns (settings, Dagster URL, [(returncode, out, err)])."""
    root = tmp_path_factory.mktemp("domain_runs")
    settings = make_settings(root)
    shutil.copytree(materialized[0].key_dir, settings.key_dir)  # same keys: same pseudonyms as the shared lake
    dagster_url = backends.lake_database(root / "dagster")
    env = {**os.environ, "LAKEHOUSE_DATA_DIR": str(settings.data_dir), "LAKEHOUSE_KEY_DIR": str(settings.key_dir),
           "LAKEHOUSE_CATALOG": settings.catalog, "LAKEHOUSE_DAGSTER_PG_URL": dagster_url, "COLUMNS": "300"}
    runs = [subprocess.Popen([LAKEHOUSE, "run", "--domain", domain], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for domain in DOMAINS]
    outputs = [run.communicate(timeout=1800) for run in runs]
    return settings, dagster_url, [(run.returncode, out, err) for run, (out, err) in zip(runs, outputs)]


def test_two_domains_run_in_parallel_and_their_marts_equal_a_single_runs(domain_runs, materialized):
    settings, dagster_url, results = domain_runs
    for (code, out, err), domain in zip(results, DOMAINS):
        assert code == 0, out + err
        assert f"everything of {domain}" in out, out
    os.environ["LAKEHOUSE_DAGSTER_PG_SQLALCHEMY_URL"] = dagster_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    home = settings.data_dir.parent / "reader_dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url:\n      env: LAKEHOUSE_DAGSTER_PG_SQLALCHEMY_URL\n")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
    assert sorted(r.dagster_run.tags.get("lakehouse/domains") for r in records) == list(DOMAINS)
    assert all(r.dagster_run.is_success for r in records)
    first, second = sorted(records, key=lambda r: r.start_time)
    # The later run started before the earlier one ended: neither waited for the other's run lock.
    assert second.start_time < first.end_time, (first.start_time, first.end_time, second.start_time)
    assert differing_marts(settings, materialized[0], DOMAINS) == []


def test_the_other_domains_are_left_for_a_later_run(domain_runs):
    from lake.session import lake_session, table_exists
    from transforms.run_plan import plan_run

    settings, _, _ = domain_runs
    with lake_session(settings, read_only=True) as con:
        assert table_exists(con, "raw_identified.childcare_meals") and table_exists(con, "raw_identified.stores")
        assert not table_exists(con, "raw_identified.cctv") and not table_exists(con, "raw_identified.welfare_cases")
    later = plan_run(settings)
    assert later.full and later.complete == ("safety", "welfare") and "first run" in later.reason, later
    assert plan_run(settings, domains=DOMAINS).nothing_to_do
