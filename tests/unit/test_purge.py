"""Verified destruction: a plain DELETE leaves the data findable; `purge` leaves it nowhere."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from governance import purge as purge_module
from lake.catalog_backend import catalog_extensions
from governance.audit import AccessEntry, log_access, verify_access_log
from lake.session import duckdb_config, ensure_zones, lake_session, lake_write, load_extensions
from governance.purge import PurgeFailed, Verification, find_residues, purge, purge_targets
from conftest import use_lake

CALLS = "staging_pseudonymized.stg_welfare__call_logs"
AS_OF = date(2026, 6, 1)  # call logs keep 3 years: rows called before 2023-06-01 are past their period
EXPIRED = {"PSEUDO-OLD-ONLY", "PSEUDO-INLINED-OLD"}  # every row of these is past the period
KEPT = {"PSEUDO-MIXED", "PSEUDO-NEW", "PSEUDO-INLINED-NEW"}  # PSEUDO-MIXED loses only its old row


def build_staging(settings) -> None:
    """Call-log pseudonyms in a Parquet file, plus two rows inlined in the catalog."""
    ensure_zones(settings)
    with lake_write(settings, "staging_pseudonymized/stg_welfare__call_logs", "test", "AI_WELLBEING_CHECK_STATS") as con:
        con.execute(f"CREATE TABLE lake.{CALLS} (person_pseudonym VARCHAR, called_at TIMESTAMP, result VARCHAR)")
        con.execute(f"""INSERT INTO lake.{CALLS} VALUES ('PSEUDO-OLD-ONLY', '2022-01-05 10:00', '응답'),
            ('PSEUDO-MIXED', '2022-02-05 10:00', '미응답'), ('PSEUDO-MIXED', '2026-02-05 10:00', '응답'),
            ('PSEUDO-NEW', '2026-03-01 09:00', '응답')""")
    con = duckdb.connect(config=duckdb_config(settings))
    load_extensions(con, catalog_extensions(settings.catalog_uri))
    con.execute(f"ATTACH 'ducklake:{settings.catalog_uri}' AS lake (DATA_PATH '{settings.lake_dir}/', DATA_INLINING_ROW_LIMIT 100)")
    con.execute(f"INSERT INTO lake.{CALLS} VALUES ('PSEUDO-INLINED-OLD', '2021-07-01 10:00', '응답'), "
                "('PSEUDO-INLINED-NEW', '2026-05-01 10:00', '응답')")
    changes = con.execute("SELECT changes FROM lake.snapshots() ORDER BY snapshot_id DESC LIMIT 1").fetchone()[0]
    assert list(changes) == ["inlined_insert"]  # no Parquet file: the rows live in the catalog
    con.close()


def calls_target():
    return next(t for t in purge_targets() if t.physical_name == CALLS)


def residues(settings, values, as_of=AS_OF) -> list[str]:
    check = Verification()
    with lake_session(settings, read_only=True) as con:
        for name, items in (("purged_values", values), ("purge_subjects", [])):
            con.execute(f"CREATE TEMP TABLE {name} (v VARCHAR)")
            for v in items:
                con.execute(f"INSERT INTO {name} VALUES (?)", [v])
        find_residues(con, settings, [calls_target()], as_of, check)
    return check.findings


def parquet_strings(settings) -> set[str]:
    """Independent of purge.py: every text cell of every Parquet file under the data path."""
    con, found = duckdb.connect(), set()
    for path in settings.lake_dir.rglob("*.parquet"):
        for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall():
            if kind == "VARCHAR":
                found |= {v for (v,) in con.execute(f'SELECT DISTINCT "{name}" FROM \'{path}\'').fetchall()}
    return found


@pytest.fixture
def lake(settings):
    build_staging(settings)
    return settings


def test_a_plain_delete_is_not_destruction(lake):
    with lake_session(lake) as con:
        first = con.execute("SELECT min(snapshot_id) FROM lake.snapshots()").fetchone()[0]
        con.execute(f"DELETE FROM lake.{CALLS} WHERE called_at < DATE '2023-06-01'")
        assert con.execute(f"SELECT count(*) FROM lake.{CALLS}").fetchone()[0] == 3  # looks gone
        con.execute("CALL ducklake_expire_snapshots('lake', older_than => now())")
        con.execute("CALL ducklake_cleanup_old_files('lake', cleanup_all => true)")
        assert con.execute(f"SELECT min(snapshot_id) FROM lake.snapshots()").fetchone()[0] > first
    # Still in the Parquet file (masked by a delete file) and in the catalog's inlined table.
    assert "PSEUDO-OLD-ONLY" in parquet_strings(lake)
    findings = residues(lake, sorted(EXPIRED))
    assert any(".parquet" in f for f in findings) and any("inlined catalog table" in f for f in findings), findings


def test_a_plain_delete_stays_reachable_by_time_travel(lake):
    with lake_session(lake) as con:
        con.execute(f"DELETE FROM lake.{CALLS} WHERE called_at < DATE '2023-06-01'")
    assert any("time travel" in f for f in residues(lake, sorted(EXPIRED)))


def test_purge_destroys_expired_rows_everywhere_and_keeps_the_rest(lake):
    with lake_session(lake, read_only=True) as con:
        before = [v for (v,) in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()]
    record = purge(lake, as_of=AS_OF, operator=("steward01", "ws-17"))
    assert record["result"] == "verified" and record["rows_destroyed"] == 3 and record["pseudonyms_destroyed"] == 2
    assert record["scope"]["tables"][CALLS]["rows"] == 3
    verification = record["verification"]
    assert verification["findings"] == [] and verification["parquet_files_scanned"] >= 1
    assert verification["catalog_tables_scanned"] > 10 and verification["snapshots_checked"] >= 1
    assert verification["expired_snapshots_unreachable"] >= len(before) - 1
    # Independent checks: current rows, every Parquet file, the catalog bytes, time travel.
    with lake_session(lake, read_only=True) as con:
        rows = con.execute(f"SELECT person_pseudonym, called_at::DATE::VARCHAR FROM lake.{CALLS} ORDER BY 1").fetchall()
        for version in before:
            with pytest.raises(duckdb.Error):
                con.execute(f"SELECT * FROM lake.{CALLS} AT (VERSION => {version})").fetchall()
        [(stored,)] = con.execute("SELECT verification FROM lake.audit.destruction_records").fetchall()
    assert rows == [("PSEUDO-INLINED-NEW", "2026-05-01"), ("PSEUDO-MIXED", "2026-02-05"), ("PSEUDO-NEW", "2026-03-01")]
    strings = parquet_strings(lake)
    assert not strings & EXPIRED and KEPT <= strings
    if not lake.catalog:  # the embedded catalog file's bytes (a PostgreSQL catalog was scanned table by table)
        catalog = lake.data_dir.joinpath("catalog.ducklake").read_bytes()
        assert not any(v.encode() in catalog for v in EXPIRED)
    assert verification["backend"].startswith("postgres" if lake.catalog else "embedded")
    assert verification["data_files_listed"] >= 1
    assert residues(lake, sorted(EXPIRED)) == []  # and the old PSEUDO-MIXED row matches no predicate anywhere
    assert json.loads(stored)["findings"] == []


def test_purge_by_subject_destroys_every_row_of_that_pseudonym(lake):
    record = purge(lake, subjects=["PSEUDO-MIXED"])
    assert record["result"] == "verified" and record["rows_destroyed"] == 2 and record["scope"]["mode"] == "subjects"
    strings = parquet_strings(lake)
    assert "PSEUDO-MIXED" not in strings and {"PSEUDO-NEW", "PSEUDO-OLD-ONLY"} <= strings


def test_a_dry_run_and_an_empty_period_change_nothing(lake):
    plan = purge(lake, as_of=AS_OF, dry_run=True)
    assert plan["result"] == "dry_run" and plan["scope"]["tables"][CALLS]["rows"] == 3
    assert purge(lake, as_of=date(2024, 1, 1))["result"] == "nothing_to_purge"  # cutoff 2021-01-01
    assert {"PSEUDO-OLD-ONLY"} <= parquet_strings(lake)


def test_a_failed_verification_fails_the_purge_and_is_recorded(lake, monkeypatch):
    monkeypatch.setattr(purge_module, "_destroy", lambda con: [])  # a plain DELETE only
    with pytest.raises(PurgeFailed, match="destruction not verified"):
        purge(lake, as_of=AS_OF)
    with lake_session(lake, read_only=True) as con:
        result, verification = con.execute("SELECT result, verification FROM lake.audit.destruction_records").fetchone()
    assert result == "failed" and json.loads(verification)["findings"]


def test_purge_keeps_the_access_log_and_anchors_its_head(lake):
    for n in range(2):
        log_access(lake, AccessEntry("a", "h", "export", "p", "AI_WELLBEING_CHECK_STATS", [], n, "r", "exported", "", ""))
    record = purge(lake, as_of=AS_OF)
    with lake_session(lake, read_only=True) as con:
        chain = verify_access_log(con)
    assert chain.ok and chain.rows == 2 and record["access_log_head"] == f"2:{chain.head_hash}"


def test_every_pseudonymized_table_has_a_retention_clock_and_no_audit_table_is_a_target():
    targets = purge_targets()
    assert {t.physical_name for t in targets} >= {CALLS, "staging_pseudonymized.stg_childcare__meals"}
    for target in targets:
        assert target.clock and target.interval.startswith("INTERVAL"), target
        assert not target.physical_name.startswith(("audit.", "raw_identified.", "landing."))


def test_as_of_and_subjects_are_exclusive(lake):
    with pytest.raises(ValueError):
        purge(lake, as_of=AS_OF, subjects=["x"])
    with pytest.raises(ValueError):
        purge(lake)


def test_cli_purge_dry_run_then_purge(lake, monkeypatch):
    from typer.testing import CliRunner

    from cli import app

    use_lake(monkeypatch, lake)
    result = CliRunner().invoke(app, ["purge", "--as-of", "2026-06-01", "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scope"]["tables"][CALLS]["rows"] == 3
    result = CliRunner().invoke(app, ["purge", "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output and not parquet_strings(lake) & EXPIRED


def iceberg_strings(table) -> set[str]:
    """Every person_pseudonym of every snapshot an engine can still time-travel to."""
    return {v for s in table.snapshots() for v in table.scan(snapshot_id=s.snapshot_id).to_arrow()["person_pseudonym"].to_pylist()}


def publish_calls_twice(settings):
    """The call logs published as if a contract published them, twice: two Iceberg snapshots hold every subject.
    Returns the table as the second publication left it."""
    from governance.publish import iceberg_catalog, lake_batches, publish_table

    with lake_session(settings, read_only=True) as con, iceberg_catalog(settings) as catalog:
        for _ in range(2):
            _, table = publish_table(catalog, CALLS, lake_batches(con, CALLS), {"comment": "call logs"})
    return table


def test_purge_reaches_the_iceberg_copy_its_snapshots_and_its_files(lake):
    """A purged subject is gone from the published Iceberg table, from every snapshot left and from every file."""
    import pyarrow.parquet as pq

    from governance.publish import iceberg_catalog

    assert "PSEUDO-MIXED" in iceberg_strings(publish_calls_twice(lake))  # the control: time travel reaches it

    record = purge(lake, subjects=["PSEUDO-MIXED"], targets=[calls_target()])

    iceberg = record["verification"]["iceberg"]
    assert record["result"] == "verified" and iceberg["iceberg_tables"] == [CALLS]
    assert iceberg["iceberg_snapshots_expired"] >= 2 and iceberg["iceberg_files_removed"] > 0
    with iceberg_catalog(lake) as catalog:
        table = catalog.load_table(CALLS)
        assert len(table.snapshots()) == 1 and table.properties["comment"] == "call logs"
        assert iceberg_strings(table) == {"PSEUDO-OLD-ONLY", "PSEUDO-NEW", "PSEUDO-INLINED-OLD", "PSEUDO-INLINED-NEW"}
    warehouse = [p for p in Path(lake.iceberg_warehouse_url).rglob("*") if p.is_file()]
    assert all("PSEUDO-MIXED" not in pq.read_table(p)["person_pseudonym"].to_pylist() for p in warehouse if p.suffix == ".parquet")
    assert not [p for p in warehouse if b"PSEUDO-MIXED" in p.read_bytes()]  # manifests' column bounds included


def test_a_purge_that_empties_a_table_leaves_no_bound_of_its_values_in_the_catalog(settings):
    """DuckLake keeps a table's per-column min/max after a DELETE: the first and last destroyed pseudonyms
    would stay in the catalog's statistics (`reset_column_bounds`)."""
    ensure_zones(settings)
    with lake_write(settings, "staging_pseudonymized/stg_welfare__call_logs", "test", "AI_WELLBEING_CHECK_STATS") as con:
        con.execute(f"CREATE TABLE lake.{CALLS} (person_pseudonym VARCHAR, called_at TIMESTAMP, result VARCHAR)")
        con.execute(f"INSERT INTO lake.{CALLS} VALUES ('PSEUDO-A', '2022-01-05 10:00', '응답'), "
                    "('PSEUDO-Z', '2024-02-05 10:00', '미응답')")
    record = purge(settings, as_of=date(2030, 1, 1))  # every call is past its three years
    assert record["result"] == "verified" and record["rows_destroyed"] == 2 and record["pseudonyms_destroyed"] == 2


def test_the_catalog_scan_finds_a_value_still_inlined_in_the_catalog(lake):
    """The scan that proves destruction can fail: on either backend it finds rows living in the catalog."""
    check = Verification()
    purge_module.scan_catalog_file(lake, ["PSEUDO-INLINED-NEW"], check)
    assert check.backend.startswith("postgres" if lake.catalog else "embedded")
    assert check.catalog_tables_scanned > 10
    assert any("PSEUDO-INLINED-NEW" not in f and "rows in catalog table" in f for f in check.findings), check.findings
