"""lake/object_store.py on a real SeaweedFS server: settings from the AWS variables, verified landing copies,
and no credential in any message."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import duckdb
import pytest

from lake.object_store import ObjectStore, ObjectStoreError, normalized
from lake.session import lake_session, lake_write
from transforms.landing import LandingFailed, land_copy


@pytest.fixture
def s3_settings(settings, seaweedfs, monkeypatch, request):
    prefix = request.node.name.replace("[", "-").strip("]")  # one prefix per test: the bucket is shared
    for name, value in seaweedfs.env(prefix).items():
        monkeypatch.setenv(name, value)
    return replace(settings, data_url=f"s3://{seaweedfs.bucket}/{prefix}/")


def test_the_data_url_and_the_aws_variables_are_read_and_checked(monkeypatch):
    assert normalized("s3://bucket/a/b") == "s3://bucket/a/b/"
    for bad in ("/srv/lake", "s3:///prefix", "gs://bucket/x"):
        with pytest.raises(ObjectStoreError, match="expected s3://BUCKET/PREFIX/"):
            normalized(bad)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    with pytest.raises(ObjectStoreError, match="s3://bucket/lake/ is on object storage, but AWS_SECRET_ACCESS_KEY is not set"):
        ObjectStore.from_env("s3://bucket/lake/")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    store = ObjectStore.from_env("s3://bucket/lake")
    assert (store.url, store.region, store.endpoint) == ("s3://bucket/lake/", "us-east-1", "")
    assert "s3cr3t-value" not in repr(store) and store.redact("x s3cr3t-value y") == "x *** y"


def test_a_lake_on_object_storage_writes_its_files_to_the_bucket(s3_settings):
    with lake_write(s3_settings, "test/t", "test") as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS lake.staging_pseudonymized")
        con.execute("CREATE TABLE lake.staging_pseudonymized.t AS SELECT range AS i FROM range(10)")
    with lake_session(s3_settings, read_only=True) as con:
        assert con.execute("SELECT sum(i) FROM lake.staging_pseudonymized.t").fetchone()[0] == 45
    files = ObjectStore.from_env(s3_settings.data_url).list(s3_settings.lake_data_path)
    assert [f.rpartition("/")[0] for f in files] == [f"{s3_settings.data_url}lake/staging_pseudonymized/t"]
    assert not s3_settings.lake_dir.exists()


def test_a_landing_copy_is_uploaded_verified_and_landing_it_again_changes_nothing(s3_settings, tmp_path):
    source = tmp_path / "calls.csv"
    source.write_bytes("번호,값\n1,가\n".encode("cp949"))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    first, local = land_copy(s3_settings, "welfare_call_logs", source, digest, tmp_path / "work1")
    again, _ = land_copy(s3_settings, "welfare_call_logs", source, digest, tmp_path / "work2")
    store = ObjectStore.from_env(s3_settings.data_url)
    assert first == again == f"{s3_settings.data_url}landing/welfare_call_logs/{digest}/calls.csv"
    assert store.list(f"{s3_settings.data_url}landing/") == [first] and local.read_bytes() == source.read_bytes()
    with store.filesystem().open_input_stream(store.path(first)) as stored:
        assert hashlib.sha256(stored.readall()).hexdigest() == digest
    with pytest.raises(LandingFailed, match="changed while it was being landed"):  # the digest is still checked
        land_copy(s3_settings, "welfare_call_logs", source, "0" * 64, tmp_path / "work3")


def test_a_wrong_secret_fails_clearly_without_showing_it(s3_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-never-shown")
    source = tmp_path / "f.csv"
    source.write_text("a\n1\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    with pytest.raises(LandingFailed) as landing:
        land_copy(s3_settings, "welfare_call_logs", source, digest, tmp_path / "work")
    with pytest.raises(duckdb.Error) as writing:
        with lake_write(s3_settings, "test/t", "test") as con:
            con.execute("CREATE TABLE lake.main.t AS SELECT 1 AS i")
    for message in (str(landing.value), str(writing.value)):
        assert "wrong-secret-never-shown" not in message
    assert "cannot write" in str(landing.value)
