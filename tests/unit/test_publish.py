"""The Iceberg publication's settings (defaults under the data dir, s3:// kept), passwords never shown, what is
published, and one table's publication from a throwaway DuckDB: an unsupported type names the table, a changed
mart evolves the same table, an emptied one empties it. Publishing the main job's lake and reading it back with
pyiceberg and DuckDB is tests/lake/test_iceberg_publication.py."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pytest

import backends

from governance.publish import PublishError, iceberg_catalog, published_contracts, publish_table
from lake.settings import Settings, masked_url, without_secrets

from conftest import make_settings


def test_defaults_are_a_sqlite_catalog_and_a_folder_under_the_data_dir(tmp_path, monkeypatch):
    for name in ("LAKEHOUSE_ICEBERG_CATALOG_URL", "LAKEHOUSE_ICEBERG_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(tmp_path / "data"))
    settings = Settings.from_env()
    assert settings.iceberg_catalog_url == f"sqlite:///{tmp_path}/data/iceberg/catalog.db"
    assert settings.iceberg_warehouse_url == f"{tmp_path}/data/iceberg/warehouse"
    assert make_settings(tmp_path).iceberg_catalog_url == f"sqlite:///{tmp_path}/data/iceberg/catalog.db"


def test_settings_take_a_postgresql_catalog_and_an_s3_warehouse(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ICEBERG_CATALOG_URL", "postgresql+psycopg2://lake:s3cr%40t@127.0.0.1:5432/iceberg")
    monkeypatch.setenv("LAKEHOUSE_ICEBERG_WAREHOUSE", "s3://district-lake/iceberg/")
    settings = Settings.from_env()
    assert settings.iceberg_catalog_url == "postgresql+psycopg2://lake:s3cr%40t@127.0.0.1:5432/iceberg"
    assert settings.iceberg_warehouse_url == "s3://district-lake/iceberg/"


@pytest.mark.parametrize("url, shown, password", [
    ("postgresql+psycopg2://lake:s3cr%40t@127.0.0.1:5432/iceberg", "postgresql+psycopg2://lake:***@127.0.0.1:5432/iceberg",
     "s3cr@t"),
    ("postgresql://127.0.0.1/iceberg?user=lake&password=hunter2&sslmode=require",
     "postgresql://127.0.0.1/iceberg?user=lake&password=***&sslmode=require", "hunter2"),
    ("sqlite:////srv/lake/data/iceberg/catalog.db", "sqlite:////srv/lake/data/iceberg/catalog.db", None),
    ("s3://district-lake/iceberg/", "s3://district-lake/iceberg/", None),
])
def test_a_password_is_never_shown(url, shown, password):
    assert masked_url(url) == shown
    if password:  # a driver's message may repeat the URL, or the password alone
        message = without_secrets(f"could not connect to {url}: password {password!r} refused", url)
        assert password not in message and url not in message and masked_url(url) in message


def test_export_only_releases_and_marts_are_not_published():
    published = {c.id: c for c in published_contracts()}
    assert {"ai_wellbeing_call", "companion_robot", "ai_wellbeing_check", "companion_robot_care"}.isdisjoint(published)
    assert {c.layer for c in published.values()} == {"release", "mart"}
    assert {"daycare_food_scanner", "daycare_meal_nutrition", "welfare_dong_statistics"} <= set(published)


def test_an_unsupported_type_fails_naming_the_table(settings):
    source = duckdb.connect()
    with iceberg_catalog(settings) as catalog, pytest.raises(PublishError, match=r"release\.waits.*'wait'"):
        publish_table(catalog, "release.waits", source.execute("SELECT INTERVAL 3 DAY AS wait").to_arrow_reader(), {})


def test_a_changed_mart_evolves_the_same_table(settings):
    source = duckdb.connect()
    with iceberg_catalog(settings) as catalog:
        publish_table(catalog, "curated_marts.cells", source.execute(
            "SELECT i AS cell, i * 1.5 AS mean, DATE '2026-01-05' AS week FROM range(3) t(i)").to_arrow_reader(), {})
        uuid = catalog.load_table("curated_marts.cells").metadata.table_uuid
        rows, table = publish_table(catalog, "curated_marts.cells", source.execute(
            "SELECT i AS cell, DATE '2026-01-12' AS week, i::DECIMAL(9, 2) AS share FROM range(2) t(i)").to_arrow_reader(), {})
        assert table.metadata.table_uuid == uuid and rows == 2
        assert table.schema().column_names == ["cell", "week", "share"]
        assert sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["cell"]) == [
            {"cell": i, "week": date(2026, 1, 12), "share": Decimal(f"{i}.00")} for i in range(2)]


def test_an_emptied_mart_empties_the_table_in_a_new_snapshot(settings):
    source = duckdb.connect()
    with iceberg_catalog(settings) as catalog:
        _, table = publish_table(catalog, "release.cells", source.execute("SELECT 1 AS cell").to_arrow_reader(), {})
        before = table.current_snapshot().snapshot_id
        rows, table = publish_table(catalog, "release.cells", source.execute("SELECT 1 AS cell WHERE false").to_arrow_reader(), {})
        assert rows == 0 and table.current_snapshot().snapshot_id != before
        assert table.scan().to_arrow().num_rows == 0


def test_a_mart_with_a_list_column_publishes_and_republishes(settings):
    """A list's element is a nested column of its own (`codes.element`): it is not a column the mart dropped."""
    source = duckdb.connect()
    query = "SELECT i AS cell, [i, i + 1]::INTEGER[] AS codes FROM range(3) t(i)"
    with iceberg_catalog(settings) as catalog:
        for _ in range(2):
            rows, table = publish_table(catalog, "curated_marts.coded", source.execute(query).to_arrow_reader(), {})
        assert rows == 3 and len(table.snapshots()) >= 2
        assert sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["cell"]) == [
            {"cell": i, "codes": [i, i + 1]} for i in range(3)]


@pytest.mark.skipif(not backends.postgres(), reason="needs --backend postgres")
def test_the_iceberg_catalog_in_postgresql_publishes_and_republishes_one_table(tmp_path):
    """Scaled out, the Iceberg SQL catalog lives in PostgreSQL (a `postgresql+psycopg2://` URL): republishing
    makes a new snapshot of the same table, with the contract's properties, and pyiceberg reads the last one."""
    url = backends.lake_database(tmp_path / "iceberg").replace("postgresql://", "postgresql+psycopg2://", 1)
    settings = replace(make_settings(tmp_path), iceberg_catalog=url)
    source = duckdb.connect()
    with iceberg_catalog(settings) as catalog:
        for week in ("2026-01-05", "2026-01-12"):
            rows, table = publish_table(catalog, "curated_marts.weekly", source.execute(
                f"SELECT i AS cell, DATE '{week}' AS week FROM range(4) t(i)").to_arrow_reader(), {"owner": "welfare-data"})
        assert rows == 4 and len(table.snapshots()) >= 2 and table.properties["owner"] == "welfare-data"
        assert {r["week"] for r in catalog.load_table("curated_marts.weekly").scan().to_arrow().to_pylist()} == {date(2026, 1, 12)}
