"""Object storage (LAKEHOUSE_DATA_URL=s3://…) on a real SeaweedFS server: the main job on the committed sample
puts every data file and landing copy in the bucket and none on local disk, builds the same marts as the
embedded lake, and `sql`, `export`, `ingest` and a verified purge (Iceberg copies included) work there."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import backends
from bench.compare import differing_marts
from cli import app
from conftest import SAMPLES, free_port, make_settings, wait_for_dagster_webserver
from governance.publish import iceberg_catalog, lake_batches, publish_table
from governance.purge import purge
from lake.object_store import store_for
from lake.session import lake_session
from lake.settings import PROJECT_ROOT
from transforms.ingest import ingest_file

CALLS = "staging_pseudonymized.stg_welfare__call_logs"
MART_AND_CHECKS = """{ assetNodeOrError(assetKey: {path: ["curated_marts", "daycare_meal_nutrition"]}) { ... on AssetNode {
    assetMaterializations(limit: 1) { runId }
    assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status } } } } } } }"""


@pytest.fixture(scope="module")
def s3_lake(seaweedfs, materialized, tmp_path_factory):
    """The main job once on the sample, into s3://<bucket>/lake/ (Iceberg warehouse in the same bucket), with the
    embedded shared lake's pseudonymization keys, so that both lakes' marts can be compared cell for cell."""
    import shutil
    from dataclasses import replace

    from orchestration.runner import run_main

    root = tmp_path_factory.mktemp("s3_lake")
    settings = replace(make_settings(root), data_url=f"s3://{seaweedfs.bucket}/lake/",
                       iceberg_warehouse=f"s3://{seaweedfs.bucket}/iceberg/")
    shutil.copytree(materialized[0].key_dir, settings.key_dir)
    env = seaweedfs.env("lake") | {"LAKEHOUSE_DATA_DIR": str(settings.data_dir), "LAKEHOUSE_KEY_DIR": str(settings.key_dir),
                                  "LAKEHOUSE_ICEBERG_WAREHOUSE": settings.iceberg_warehouse,
                                  "LAKEHOUSE_CATALOG": settings.catalog}  # with --backend postgres: PostgreSQL + S3
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        summary = run_main(settings)
        assert summary.success, summary
        yield settings, seaweedfs


def bucket_files(settings, under: str) -> list[str]:
    store = store_for(settings.data_url)
    return store.list(f"{store.url}{under}")


def test_data_files_and_landing_copies_are_in_the_bucket_and_not_on_local_disk(s3_lake):
    settings, server = s3_lake
    data = bucket_files(settings, "lake/")
    assert any("/raw_identified/" in f for f in data) and any("/staging_pseudonymized/" in f for f in data)
    assert any("/release/" in f for f in data) and all(f.endswith(".parquet") for f in data)
    assert not settings.lake_dir.exists() and not settings.landing_dir.exists()
    assert not list(settings.data_dir.rglob("*.parquet"))  # no data file anywhere on local disk
    landed = bucket_files(settings, "landing/")
    store = store_for(settings.data_url)
    with lake_session(settings, read_only=True) as con:
        records = con.execute("SELECT source, sha256, original_name, landing_path FROM lake.landing.files").fetchall()
    assert len(records) == len([p for p in SAMPLES.glob("*/*") if p.is_file()]) == len(landed)
    for source, digest, name, landing_path in records:
        assert landing_path == f"{store.url}landing/{source}/{digest}/{name}" and landing_path in landed
        with store.filesystem().open_input_stream(store.path(landing_path)) as copy:
            assert hashlib.sha256(copy.readall()).hexdigest() == digest
        assert hashlib.sha256((SAMPLES / source / name).read_bytes()).hexdigest() == digest


def test_the_marts_equal_the_embedded_lakes(s3_lake, materialized):
    embedded, _ = materialized
    assert differing_marts(s3_lake[0], embedded) == []


def test_ingesting_the_same_bytes_again_adds_nothing_and_keeps_one_landing_copy(s3_lake):
    settings, _ = s3_lake
    sample = next((SAMPLES / "childcare_centers").iterdir())
    before = bucket_files(settings, "landing/childcare_centers/")
    result = ingest_file(settings, "childcare_centers", sample, "test-again")
    assert result.status == "already_loaded" and bucket_files(settings, "landing/childcare_centers/") == before


def test_sql_and_export_read_the_lake_on_object_storage(s3_lake, tmp_path):
    settings, server = s3_lake
    query = "SELECT count(*) AS n FROM daycare_meal_nutrition"
    answered = CliRunner().invoke(app, ["sql", query, "--audience", "childcare", "--as", "s3-tester", "--format", "json"])
    assert answered.exit_code == 0, answered.output
    assert json.loads(answered.stdout)[0]["n"] > 0
    exported = CliRunner().invoke(app, ["export", "daycare_food_scanner", "--purpose", "DAYCARE_FOOD_SCANNER_STATS",
                                        "--reason", "object storage test", "--out", str(tmp_path / "out"), "--format", "json"])
    assert exported.exit_code == 0, exported.output
    manifest = json.loads(exported.stdout)
    table = manifest["tables"]["daycare_meal_nutrition"]
    assert table["rows"] > 0 and (tmp_path / "out" / table["file"]).exists()
    for text in (answered.output, exported.output, (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")):
        assert server.secret not in text and server.key_id not in text


def test_audit_verify_and_the_catalog_read_the_lake_on_object_storage(s3_lake):
    """After the export above: the access log's hash chain verifies against every snapshot kept in the bucket."""
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    listed = CliRunner().invoke(app, ["catalog", "list", "--format", "json"])
    assert listed.exit_code == 0 and "daycare_meal_nutrition" in listed.stdout


@pytest.mark.skipif(not backends.postgres(), reason="the scaled-out mode (PostgreSQL + S3) is the PostgreSQL lane's")
def test_the_steward_ui_shows_the_marts_and_their_checks_of_a_lake_on_object_storage(s3_lake):
    """`lakehouse ui` with the lake in the bucket: the webserver loads the definitions and shows the run's
    materialization of a mart and its checks (asked through Dagster's GraphQL API, as the UI does)."""
    port = free_port()
    ui = subprocess.Popen([str(Path(sys.executable).with_name("lakehouse")), "ui", "--port", str(port)], cwd=PROJECT_ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_dagster_webserver(url)
        request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": MART_AND_CHECKS}).encode(),
                                         headers={"Content-Type": "application/json"})
        node = json.load(urllib.request.urlopen(request, timeout=60))["data"]["assetNodeOrError"]
    finally:
        os.killpg(ui.pid, signal.SIGTERM)  # the command and the webserver it started
        ui.wait(timeout=30)
    assert node["assetMaterializations"], "the UI shows no materialization of the mart"
    checks = {c["name"]: c["executionForLatestMaterialization"]["status"] for c in node["assetChecksOrError"]["checks"]}
    assert {"no_direct_identifiers", "k_anonymity", "small_cells_suppressed"} <= set(checks)
    assert set(checks.values()) == {"SUCCEEDED"}


def test_purge_on_object_storage_destroys_a_subject_in_the_bucket_and_in_iceberg(s3_lake):
    """Runs after the marts comparison (file order): it changes the person-level marts."""
    settings, server = s3_lake
    with lake_session(settings, read_only=True) as con:
        [(subject, rows)] = con.execute(f"SELECT person_pseudonym, count(*) FROM lake.{CALLS} GROUP BY 1 "
                                        "ORDER BY 2 DESC, 1 LIMIT 1").fetchall()
        with iceberg_catalog(settings) as catalog:  # as if a contract published it: two snapshots hold the subject
            for _ in range(2):
                publish_table(catalog, CALLS, lake_batches(con, CALLS), {"comment": "test"})
    calls_files = [f for f in bucket_files(settings, "lake/") if CALLS.split(".")[1] in f]  # dbt's __dbt_tmp folder too
    assert subject in object_strings(settings, calls_files)  # the control: it is there before

    record = purge(settings, subjects=[subject])  # every table the person is in (cases, marts, releases too)

    assert record["result"] == "verified" and record["scope"]["tables"][CALLS]["rows"] == rows
    check = record["verification"]
    scanned = [f for f in bucket_files(settings, "lake/") if "/destruction_records/" not in f]  # written after the scan
    assert check["parquet_files_scanned"] == len(scanned) > 100
    assert check["iceberg"]["iceberg_tables"] == [CALLS] and check["iceberg"]["iceberg_snapshots_expired"] >= 2
    # Independently of purge.py: no object left in the bucket (lake files or Iceberg files) holds the subject.
    assert subject not in object_strings(settings, bucket_files(settings, "lake/"))
    iceberg_files = [f for f in store_for(settings.data_url).list(settings.iceberg_warehouse) if f.endswith(".parquet")]
    assert iceberg_files and subject not in object_strings(settings, iceberg_files)
    with iceberg_catalog(settings) as catalog:
        table = catalog.load_table(CALLS)
        snapshots = table.snapshots()
        assert len(snapshots) == 1
        current = table.scan().to_arrow()
        assert current.num_rows > 0 and subject not in current["person_pseudonym"].to_pylist()
    assert server.secret not in json.dumps(record, default=str)


def object_strings(settings, urls: list[str]) -> set[str]:
    """Every text cell of the given Parquet objects, read with DuckDB's httpfs and its own S3 secret."""
    from lake.session import load_extensions

    con, found = duckdb.connect(config={"allow_unsigned_extensions": True}), set()
    load_extensions(con, ("httpfs",))
    store_for(settings.data_url).create_secret(con)
    for url in urls:
        for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM '{url}'").fetchall():
            if kind == "VARCHAR":
                found |= {v for (v,) in con.execute(f'SELECT DISTINCT "{name}" FROM \'{url}\'').fetchall()}
    return found


def test_no_credential_is_written_anywhere_under_the_data_folder(s3_lake):
    settings, server = s3_lake
    secrets = (server.secret.encode(), server.key_id.encode())
    leaked = [p for p in settings.data_dir.rglob("*") if p.is_file() and any(s in p.read_bytes() for s in secrets)]
    assert leaked == []
