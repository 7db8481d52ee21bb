"""The Iceberg publication's settings (defaults under the data dir, s3:// kept), passwords never shown, what is
published, and one table's publication from a throwaway DuckDB: an unsupported type names the table, a changed
mart evolves the same table, an emptied one empties it; a republish rewrites only the tables whose lake rows,
columns or contract changed. Publishing the main job's lake and reading it back with pyiceberg and DuckDB is
tests/lake/test_iceberg_publication.py."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import duckdb
import pytest

import backends

from governance.publish import PublishError, iceberg_catalog, publish_iceberg, published_contracts, publish_table
from lake.settings import Settings, masked_url, without_secrets

from conftest import make_settings
from published_marts import MARTS, ROWS, build_marts


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


def _snapshots(publication) -> dict[str, int]:
    return {t.name: t.snapshot_id for t in publication.tables}


def _iceberg_rows(settings, name: str) -> list[dict]:
    with iceberg_catalog(settings) as catalog:
        return sorted(catalog.load_table(name).scan().to_arrow().to_pylist(), key=repr)


def _lake_rows(settings, name: str) -> list[dict]:
    from lake.session import lake_session

    with lake_session(settings, read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM lake.{name}").to_arrow_table().to_pylist(), key=repr)


def test_a_republish_rewrites_only_the_tables_whose_lake_rows_columns_or_contract_changed(settings):
    """A table is kept when its lake rows, columns and contract are what its Iceberg snapshot copied. An update
    that keeps the row count, a delete, an added column and a contract property changed in the catalog each make
    that one table be written again, with the lake's rows; `everything` writes every table."""
    from lake.session import lake_write

    nutrition, parking = MARTS
    build_marts(settings)
    first = publish_iceberg(settings, run_id="first")
    assert first.unchanged == [] and sorted(_snapshots(first)) == sorted(MARTS)

    again = publish_iceberg(settings, run_id="again")
    assert sorted(again.unchanged) == sorted(MARTS) and _snapshots(again) == _snapshots(first)
    assert {t.name: t.rows for t in again.tables} == dict.fromkeys(MARTS, ROWS)

    with lake_write(settings, "curated_marts/daycare_meal_nutrition", "test") as con:  # the row count stays 40
        con.execute(f"UPDATE lake.{nutrition} SET center_name = '등촌1동 어린이집' WHERE week_start = DATE '2026-01-20'")
    updated = publish_iceberg(settings, run_id="updated")
    assert updated.unchanged == [parking] and _snapshots(updated)[nutrition] != _snapshots(first)[nutrition]
    assert _iceberg_rows(settings, nutrition) == _lake_rows(settings, nutrition)
    assert any(row["center_name"] == "등촌1동 어린이집" for row in _iceberg_rows(settings, nutrition))

    with lake_write(settings, "curated_marts/disabled_parking_enforcement", "test") as con:
        con.execute(f"DELETE FROM lake.{parking} WHERE hour_start < TIMESTAMP '2026-01-06 00:00:00'")
    deleted = publish_iceberg(settings, run_id="deleted")
    assert deleted.unchanged == [nutrition] and {t.name: t.rows for t in deleted.tables}[parking] == ROWS - 10
    assert _iceberg_rows(settings, parking) == _lake_rows(settings, parking)

    with lake_write(settings, "curated_marts/disabled_parking_enforcement", "test") as con:  # no row changes
        con.execute(f"ALTER TABLE lake.{parking} ADD COLUMN note VARCHAR")
    with iceberg_catalog(settings) as catalog, catalog.load_table(nutrition).transaction() as transaction:
        transaction.set_properties({"contract.owner": "someone else"})
    altered = publish_iceberg(settings, run_id="altered")
    assert altered.unchanged == []
    with iceberg_catalog(settings) as catalog:
        assert "note" in catalog.load_table(parking).schema().column_names
        assert catalog.load_table(nutrition).properties["contract.owner"] == "team:childcare-data"

    everything = publish_iceberg(settings, run_id="everything", everything=True)
    assert everything.unchanged == [] and set(_snapshots(everything).values()).isdisjoint(_snapshots(altered).values())


def test_cli_publish_says_which_tables_it_wrote_and_all_writes_every_one(settings, monkeypatch):
    import json

    from typer.testing import CliRunner

    from cli import app
    from conftest import use_lake

    build_marts(settings)
    use_lake(monkeypatch, settings)

    def written(*args: str) -> dict[str, bool]:
        result = CliRunner().invoke(app, ["publish", *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        return {t["table"]: t["written"] for t in json.loads(result.stdout)["tables"]}

    assert written() == dict.fromkeys(MARTS, True)
    assert written() == dict.fromkeys(MARTS, False)  # nothing changed in the lake
    assert written("--all") == dict.fromkeys(MARTS, True)
