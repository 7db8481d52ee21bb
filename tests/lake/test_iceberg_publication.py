"""Iceberg publication for other engines: every release and analyst mart below the export-only tier becomes an
Iceberg table that pyiceberg and DuckDB's iceberg extension both read with exactly the lake's rows, carrying its
contract; republishing an unchanged lake keeps every table, republishing everything adds a snapshot to the same
table, and nothing above the release tier is published."""

from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from catalog.contracts import EXPORT_ONLY_TIER, load_contracts, tier_rank
from governance.analyst import analyst_marts
from governance.publish import iceberg_catalog, publish_iceberg
from lake.session import duckdb_config, lake_session, load_extensions

from conftest import comparable_rows

ICEBERG_EXTENSIONS = ("avro", "iceberg")  # from their packages; iceberg reads its manifests with avro, loaded first
STALE = "release.ai_wellbeing_check"


@pytest.fixture(scope="module")
def republished(materialized, tmp_path_factory):
    """The shared lake published twice into a catalog and warehouse of this module's own: (settings, first, second)."""
    settings, _ = materialized
    root = tmp_path_factory.mktemp("iceberg")
    own = replace(settings, iceberg_catalog=f"sqlite:///{root}/catalog.db", iceberg_warehouse=str(root / "warehouse"))
    with iceberg_catalog(own) as catalog:  # as if published before its contract reached the export-only tier
        catalog.create_namespace("release")
        catalog.create_table(STALE, schema=pa.schema([("person", pa.string())])).append(pa.table({"person": ["p1"]}))
    return own, publish_iceberg(own, run_id="first"), publish_iceberg(own, run_id="second")


@pytest.fixture(scope="module")
def duck(materialized):
    con = duckdb.connect(config=duckdb_config(materialized[0]))
    load_extensions(con, ICEBERG_EXTENSIONS)
    yield con
    con.close()


def catalog_tables(settings) -> set[str]:
    with iceberg_catalog(settings) as catalog:
        return {".".join(t) for (namespace,) in catalog.list_namespaces() for t in catalog.list_tables(namespace)}


def expected_tables() -> set[str]:
    """Every release table and every analyst mart's table whose contract is below the export-only tier."""
    contracts = [c for c in load_contracts().values() if c.layer == "release"] + analyst_marts()
    return {t.physical_name for c in contracts if tier_rank(c.tier) < tier_rank(EXPORT_ONLY_TIER) for t in c.tables}


def test_the_main_job_publishes_after_the_releases(materialized):
    settings, summary = materialized
    assert "publication/iceberg_publication" in summary.assets_materialized
    assert catalog_tables(settings) == expected_tables()  # the default catalog under the lake's data dir


def test_pyiceberg_and_duckdb_read_exactly_the_lakes_rows(republished, duck):
    settings, _, second = republished
    assert {t.name for t in second.tables} == expected_tables()
    with lake_session(settings, read_only=True) as lake, iceberg_catalog(settings) as catalog:
        for table in second.tables:
            in_lake = comparable_rows(lake, f"lake.{table.name}")
            duck.register("read_by_pyiceberg", catalog.load_table(table.name).scan().to_arrow())
            assert comparable_rows(duck, "read_by_pyiceberg") == in_lake, table.name
            assert comparable_rows(duck, f"iceberg_scan('{table.metadata_location}')") == in_lake, table.name
            assert table.rows == len(in_lake) > 0, table.name


def test_each_table_carries_its_contract(republished):
    settings, _, second = republished
    contracts = load_contracts()
    with iceberg_catalog(settings) as catalog:
        for table in second.tables:
            contract, properties = contracts[table.contract], catalog.load_table(table.name).properties
            assert properties["contract.owner"] == ", ".join(contract.owners) != ""
            assert properties["contract.tier"] == contract.tier
            assert properties["contract.purpose_code"] == contract.custom["purpose_code"]
            assert properties["contract.purpose"] == contract.purpose != ""
            assert (properties["contract.id"], properties["contract.version"]) == (contract.id, contract.version)
        assert catalog.load_table("release.daycare_meal_nutrition").properties["contract.owner"] == "team:childcare-data"


def test_nothing_above_the_release_tier_is_published(republished):
    settings, first, second = republished
    published = catalog_tables(settings)
    assert (first.dropped, second.dropped) == ([STALE], [])  # a table no longer published goes, files and all
    stale_folder = Path(settings.iceberg_warehouse_url, *STALE.split("."))
    assert not [p for p in stale_folder.rglob("*") if p.is_file()]
    withheld = {t.physical_name for c in load_contracts().values()
                if c.layer in ("raw", "staging") or c.export_only for t in c.tables}
    assert "release.ai_wellbeing_check" in withheld and "curated_marts.companion_robot_care" in withheld
    assert "staging_pseudonymized.stg_childcare__meals" in withheld
    assert not published & withheld
    assert {name.split(".")[0] for name in published} == {"release", "curated_marts"}


def test_republishing_an_unchanged_lake_keeps_every_table(republished):
    settings, first, second = republished
    assert sorted(second.unchanged) == sorted(t.name for t in second.tables) == sorted(expected_tables())
    assert {t.name: (t.snapshot_id, t.rows) for t in second.tables} == {t.name: (t.snapshot_id, t.rows) for t in first.tables}
    with iceberg_catalog(settings) as catalog:
        for table in second.tables:
            assert catalog.load_table(table.name).current_snapshot().summary["lakehouse.run_id"] == "first"


def test_republishing_everything_adds_a_snapshot_to_the_same_table(republished):
    settings, first, _ = republished
    before = {t.name: t for t in first.tables}
    again = publish_iceberg(settings, run_id="again", everything=True)
    assert again.unchanged == [] and len(catalog_tables(settings)) == len(again.tables) == len(before)  # no duplicate
    with iceberg_catalog(settings) as catalog:
        for table in again.tables:
            earlier, iceberg = before[table.name], catalog.load_table(table.name)
            assert table.snapshot_id != earlier.snapshot_id and table.rows == earlier.rows
            snapshots = [s.snapshot_id for s in iceberg.snapshots()]
            assert earlier.snapshot_id in snapshots and snapshots[-1] == table.snapshot_id
            assert iceberg.current_snapshot().summary["lakehouse.run_id"] == "again"
            assert iceberg.current_snapshot().summary["total-records"] == str(table.rows)  # replaced, not appended
