"""Nothing is fetched from the internet at run time: DuckDB extensions load from their pip packages, verified once
against pip's record of the file, and dbt sends no usage events."""

import json
import shutil

import duckdb
import pytest

from lake import session
from transforms.dbt_project import prepare_manifest


def test_a_verified_extension_loads_without_download(settings):
    con = duckdb.connect(config=session.duckdb_config(settings))
    session.load_extensions(con, ("ducklake",))
    assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'ducklake'").fetchone() == (True,)


def test_a_changed_extension_file_is_refused(tmp_path, monkeypatch):
    original = session.extension_file("ducklake")
    tampered = tmp_path / original.name
    shutil.copy(original, tampered)
    with tampered.open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(session, "extension_file", lambda name: tampered)
    session.verified_extension.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="differs from the file pip installed"):
            session.verified_extension("ducklake")
    finally:
        session.verified_extension.cache_clear()


def test_dbt_sends_no_usage_events(settings):
    """dbt's anonymous usage events would leave the machine from every build; dbt records the resolved flag."""
    manifest = json.loads(prepare_manifest(settings).read_text())
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
