"""The identifier gate scans only the rows a lake table gained since its last passing scan, and never skips
a row: a failed scan is repeated, a row added in a snapshot expired since is still scanned, a lost mark
means a whole scan."""

import shutil

from catalog.contracts import get_contract
from lake.session import ensure_zones, lake_session, lake_write
from quality.privacy_gates import no_direct_identifiers
from quality.scan_progress import record_scan, scan_scope

TABLE = get_contract("daycare_meal_nutrition").table
NAME = "curated_marts.scan_fixture"


def add_centre(settings, name: str) -> None:
    with lake_write(settings, "test/scan_fixture", "test") as con:
        con.execute(f"CREATE TABLE IF NOT EXISTS lake.{NAME} (center_code VARCHAR, center_name VARCHAR)")
        con.execute(f"INSERT INTO lake.{NAME} VALUES ('11500000001', ?)", [name])


def gate(settings):
    """One gate run as the Dagster check does it: scan the scope, record it when the scan passes."""
    with lake_session(settings, read_only=True) as con:
        scope = scan_scope(con, settings, NAME)
        result = no_direct_identifiers(con, f"lake.{NAME}", TABLE, scope.rows, scope.description)
    if result.passed:
        record_scan(settings, NAME, scope)
    return result


def test_the_identifier_scan_reads_only_new_rows_and_repeats_until_it_passes(settings):
    ensure_zones(settings)
    add_centre(settings, "해님어린이집")
    add_centre(settings, "달님어린이집")
    first = gate(settings)
    assert first.passed and first.evidence["rows_scanned"] == 2 and first.evidence["scanned"] == "every row"
    assert gate(settings).evidence["rows_scanned"] == 0  # nothing added since

    add_centre(settings, "별님어린이집")
    third = gate(settings)
    assert third.passed and third.evidence["rows_scanned"] == 1 and third.evidence["scanned"].startswith("rows added since")

    add_centre(settings, "대상자: 김민지")  # an identifier arrives
    assert not gate(settings).passed
    again = gate(settings)  # the failed scan did not move the mark: the next run finds it again
    assert not again.passed and again.evidence["rows_scanned"] == 1

    with lake_write(settings, "test/scan_fixture", "test") as con:  # fixed in place, as purge or a rebuild would
        con.execute(f"DELETE FROM lake.{NAME} WHERE center_name LIKE '대상자%'")
    assert gate(settings).passed


def test_a_row_added_in_an_expired_snapshot_is_scanned_and_a_lost_mark_means_every_row(settings):
    ensure_zones(settings)
    add_centre(settings, "해님어린이집")
    assert gate(settings).passed
    add_centre(settings, "대상자: 김민지")
    with lake_session(settings, read_only=True) as con:
        added = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()[0]
    add_centre(settings, "달님어린이집")
    with lake_session(settings) as con:  # purge expires the snapshot that added the row
        con.execute(f"CALL ducklake_expire_snapshots('lake', versions => [{added}])")
    result = gate(settings)
    assert not result.passed and result.evidence["rows_scanned"] == 2

    (settings.data_dir / "gate_scans.json").unlink()
    assert gate(settings).evidence["scanned"] == "every row"


def test_marks_of_a_lake_rebuilt_under_the_same_folder_do_not_apply(settings):
    ensure_zones(settings)
    add_centre(settings, "해님어린이집")
    assert gate(settings).passed
    for path in settings.data_dir.iterdir():  # `make clean` of everything but the marks
        if path.name != "gate_scans.json":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    ensure_zones(settings)
    for name in ("대상자: 김민지", "달님어린이집", "별님어린이집", "햇살어린이집"):
        add_centre(settings, name)  # the new lake's snapshots pass the old mark
    result = gate(settings)
    assert not result.passed and result.evidence["scanned"] == "every row"
