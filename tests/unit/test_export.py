"""The export gateway on a small lake built here: agreements, refusals, access log, operational feed."""

import json
from datetime import date, datetime, time, timedelta, timezone

import duckdb
import pytest

from catalog.contracts import get_contract
from catalog.registry import agreements, pilots, purposes
from governance.audit import today
from governance.export import ExportRefused, Requester, export_operational, export_release, find_agreement
from lake.session import ensure_zones, lake_session, lake_write, table_exists
from conftest import use_lake

ME = Requester("steward01", "ws-17")
OFFICER = Requester("officer07", "dong-pc-3")
ON = date(2026, 6, 1)  # inside both agreements
SEOUL = timezone(timedelta(hours=9))


def build_release(settings) -> None:
    """The daycare release with two centres × two weeks, every count at least 5, one withheld cell."""
    ensure_zones(settings)
    with lake_write(settings, "release/daycare_food_scanner", "test") as con:
        con.execute("""CREATE TABLE lake.release.daycare_meal_nutrition AS SELECT * FROM (VALUES
            ('11500000001', '해님어린이집', '국공립', DATE '2026-05-04', '점심', 12, 55, 0.12, 410.0, 14.0, 466.7, 6.7, 87.9, 209.0, false),
            ('11500000001', '해님어린이집', '국공립', DATE '2026-05-11', '점심', 11, 50, 0.10, 420.0, 15.0, 466.7, 6.7, 90.0, 224.0, false),
            ('11500000002', '달님어린이집', '가정', DATE '2026-05-04', '점심', NULL, NULL, NULL, NULL, NULL, 466.7, 6.7, NULL, NULL, true),
            ('11500000002', '달님어린이집', '가정', DATE '2026-05-11', '점심', 6, 25, 0.20, 390.0, 13.0, 466.7, 6.7, 83.6, 194.0, false))
            t(center_code, center_name, center_type, week_start, meal_slot, children_served, child_meals_served,
              mean_leftover_rate, kcal_per_child_meal, protein_g_per_child_meal, kcal_reference, protein_g_reference,
              kcal_pct_of_reference, protein_pct_of_reference, suppressed)""")
        con.execute("""CREATE TABLE lake.release.daycare_allergen_exposure AS SELECT * FROM (VALUES
            ('11500000001', DATE '2026-05-04', 1, '난류', 9, 20, false),
            ('11500000002', DATE '2026-05-04', 5, '대두', NULL, NULL, true))
            t(center_code, week_start, allergen_code, allergen_name_ko, exposed_children, exposed_child_meals, suppressed)""")


PEOPLE = [  # person_id, name, phone, address, dong, status
    ("P00000001", "김영희", "010-1234-5678", "서울특별시 강서구 화곡로 1", "화곡1동", "모니터링"),
    ("P00000002", "박철수", "010-2222-3333", "서울특별시 강서구 공항대로 2", "공항동", "방문요청"),
    ("P00000003", "이순자", "010-4444-5555", "서울특별시 강서구 양천로 3", "가양1동", "종결"),
]


def build_welfare_raw(settings) -> None:
    """raw_identified.welfare_cases (two extracts) and welfare_call_logs with the contract's columns."""
    ensure_zones(settings)
    with lake_write(settings, "raw_identified/welfare", "test", "WELLBEING_CALL_OPERATIONS") as con:
        con.execute("""CREATE TABLE lake.raw_identified.welfare_cases (person_id VARCHAR, person_name VARCHAR,
            rrn VARCHAR, phone VARCHAR, address VARCHAR, adong_name VARCHAR, call_cycle VARCHAR, case_status VARCHAR,
            consecutive_no_answer INTEGER, reference_date DATE)""")
        for pid, name, phone, address, dong, status in PEOPLE:
            for day, old_phone in ((date(2026, 5, 1), "010-9999-0000"), (date(2026, 5, 15), phone)):
                con.execute("INSERT INTO lake.raw_identified.welfare_cases VALUES (?, ?, '400101-2345678', ?, ?, ?, "
                            "'주2', ?, 0, ?)", [pid, name, old_phone, address, dong, status, day])
        con.execute("""CREATE TABLE lake.raw_identified.welfare_call_logs (call_id VARCHAR, person_id VARCHAR,
            called_at TIMESTAMP, attempt INTEGER, caller VARCHAR, result VARCHAR, duration_s INTEGER, keywords VARCHAR,
            risk_score INTEGER, follow_up VARCHAR)""")
        con.execute("""INSERT INTO lake.raw_identified.welfare_call_logs VALUES
            ('C20260514000001', 'P00000001', TIMESTAMP '2026-05-14 10:00:00', 1, 'AI', '응답', 60, '식사', 10, '없음'),
            ('C20260518000001', 'P00000001', TIMESTAMP '2026-05-18 10:00:00', 1, 'AI', '미응답', 0, NULL, 40, '재시도'),
            ('C20260518000002', 'P00000001', TIMESTAMP '2026-05-18 10:30:00', 2, 'AI', '응답', 45, '통증', 55, '없음')""")


def access_log(settings) -> list[dict]:
    with lake_session(settings, read_only=True) as con:
        if not table_exists(con, "audit.access_log"):
            return []
        cursor = con.execute("SELECT * FROM lake.audit.access_log ORDER BY seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


@pytest.fixture
def release_lake(settings):
    build_release(settings)
    return settings


def test_export_writes_parquet_manifest_and_an_access_log_row(release_lake, tmp_path):
    settings = release_lake
    manifest = export_release(settings, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS",
                              "weekly nutrition review for the pilot", tmp_path / "out", ME, on=ON)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["agreement"]["id"] == "DUA-2026-CC-001" and manifest["agreement"]["approver"]
    assert manifest["tables"]["daycare_meal_nutrition"]["rows"] == 4
    for table in manifest["tables"].values():
        assert duckdb.connect().execute(f"SELECT count(*) FROM '{tmp_path / 'out' / table['file']}'").fetchone()[0] == table["rows"]
        assert all(g["passed"] for g in table["privacy_gates"])
    [row] = access_log(settings)
    assert {k: row[k] for k in ("account", "host", "action", "pilot", "purpose_code", "agreement", "rows", "result")} == {
        "account": "steward01", "host": "ws-17", "action": "export", "pilot": "daycare_food_scanner",
        "purpose_code": "DAYCARE_FOOD_SCANNER_STATS", "agreement": "DUA-2026-CC-001", "rows": 6, "result": "exported"}
    assert row["reason"].startswith("weekly") and row["logged_at"] and row["legal_basis"]
    assert "daycare_meal_nutrition" in json.loads(row["datasets"])
    with lake_session(settings, read_only=True) as con:
        purpose, items, recipients = con.execute(
            "SELECT purpose_code, items, recipients FROM lake.audit.processing_records").fetchone()
    assert purpose == "DAYCARE_FOOD_SCANNER_STATS" and "children_served" in json.loads(items)["daycare_meal_nutrition"]
    assert json.loads(recipients)["agreement"] == "DUA-2026-CC-001"


def test_a_column_subset_is_exported_with_its_suppression_flag(release_lake, tmp_path):
    manifest = export_release(release_lake, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "leftover trend",
                              tmp_path, ME, tables=["daycare_meal_nutrition"],
                              columns=["center_code", "week_start", "mean_leftover_rate"], on=ON)
    assert list(manifest["tables"]) == ["daycare_meal_nutrition"]
    columns = [d[0] for d in duckdb.connect().execute(f"DESCRIBE SELECT * FROM '{tmp_path / 'daycare_meal_nutrition.parquet'}'").fetchall()]
    assert columns == ["center_code", "week_start", "mean_leftover_rate", "suppressed"]


@pytest.mark.parametrize(("pilot", "purpose", "reason", "kwargs", "message"), [
    ("no_such_pilot", "DAYCARE_FOOD_SCANNER_STATS", "look", {}, "unknown pilot"),
    ("daycare_food_scanner", "DAYCARE_FACILITY_INFO", "look", {}, "not registered for pilot"),
    ("daycare_food_scanner", "NOT_A_PURPOSE", "look", {}, "not in the purpose register"),
    ("daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "  ", {}, "reason is required"),
    ("daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "look", {"on": date(2028, 1, 1)}, "agreement expired on 2028-01-01"),
    ("daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "look", {"on": date(2025, 12, 31)}, "not yet valid"),
    ("daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "look", {"tables": ["stg_childcare__meals"]}, "not in release"),
    ("daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "look", {"columns": ["child_pseudonym"]}, "in none of"),
])
def test_refusals_are_clear_and_logged(release_lake, tmp_path, pilot, purpose, reason, kwargs, message):
    with pytest.raises(ExportRefused, match=message):
        export_release(release_lake, pilot, purpose, reason, tmp_path / "out", ME, **{"on": ON, **kwargs})
    assert not (tmp_path / "out" / "manifest.json").exists()
    [row] = access_log(release_lake)
    assert row["result"] == "refused" and message in row["detail"] and row["rows"] == 0
    assert (row["account"], row["host"], row["pilot"], row["purpose_code"]) == ("steward01", "ws-17", pilot, purpose)


def test_an_export_after_the_agreement_ends_is_refused_naming_the_agreement_and_its_end(release_lake, tmp_path,
                                                                                          time_machine):
    """No `on=`: the gateway reads today's date itself (Seoul time). DUA-2026-CC-001 ends on 2027-12-31: its last
    minute still exports, the first minute of 2028-01-01 KST (still 2027-12-31 in UTC) is refused, and the refusal
    names the agreement and its end date, in the exception and in the access log."""
    agreement = agreements()["DUA-2026-CC-001"]
    assert agreement.valid_to == date(2027, 12, 31)
    time_machine.move_to(datetime(2027, 12, 31, 23, 59, tzinfo=SEOUL))
    manifest = export_release(release_lake, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "last day", tmp_path / "ok", ME)
    assert manifest["agreement"]["id"] == agreement.id
    time_machine.move_to(datetime(2028, 1, 1, 0, 0, tzinfo=SEOUL))
    with pytest.raises(ExportRefused) as refused:
        export_release(release_lake, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "a day late", tmp_path / "late", ME)
    message = str(refused.value)
    assert "expired on 2028-01-01" in message and "DUA-2026-CC-001" in message and "2027-12-31" in message, message
    assert not (tmp_path / "late" / "manifest.json").exists()
    last = access_log(release_lake)[-1]
    assert (last["result"], last["detail"], last["reason"]) == ("refused", message, "a day late")


def test_an_operational_export_after_its_agreement_ends_is_refused_naming_it(welfare_lake, tmp_path, time_machine):
    time_machine.move_to(datetime(2028, 1, 1, 9, 0, tzinfo=SEOUL))
    with pytest.raises(ExportRefused) as refused:
        export_operational(welfare_lake, "WELLBEING_CALL_OPERATIONS", "welfare_officer", "visit", tmp_path, OFFICER)
    message = str(refused.value)
    assert "expired on 2028-01-01" in message and "DUA-2026-WF-OPS-001" in message and "2027-12-31" in message, message
    [row] = access_log(welfare_lake)
    assert (row["action"], row["result"], row["detail"]) == ("operational_export", "refused", message)


@pytest.mark.parametrize("agreement_id", sorted(agreements()))
def test_every_agreement_is_refused_the_day_after_it_ends(agreement_id, time_machine):
    """Today's date (governance.audit.today, KST) the day after `valid_to`: refused, naming the agreement and its end."""
    agreement = agreements()[agreement_id]
    time_machine.move_to(datetime.combine(agreement.valid_to + timedelta(days=1), time(0, 0), tzinfo=SEOUL))
    assert today() == agreement.valid_to + timedelta(days=1)
    with pytest.raises(ExportRefused) as refused:
        find_agreement(agreement.pilot, agreement.purpose_code, agreement.kind, today())
    message = str(refused.value)
    assert "expired" in message and agreement.id in message and str(agreement.valid_to) in message, message


def test_a_dataset_or_column_outside_the_agreement_is_refused(release_lake, tmp_path, monkeypatch):
    """The agreement, not the release, decides: narrow it and the same request is refused."""
    import catalog.registry as registry

    real = agreements()["DUA-2026-CC-001"]
    narrow = {**agreements(), real.id: type(real)(**{**real.__dict__, "datasets": {
        "daycare_meal_nutrition": ("center_code", "week_start", "mean_leftover_rate", "suppressed")}})}
    monkeypatch.setattr(registry, "agreements", lambda: narrow)
    monkeypatch.setattr("governance.export.agreements", lambda: narrow)
    with pytest.raises(ExportRefused, match="dataset 'daycare_allergen_exposure' is not allowed by agreement DUA-2026-CC-001"):
        export_release(release_lake, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "all", tmp_path, ME, on=ON)
    with pytest.raises(ExportRefused, match=r"column\(s\) kcal_per_child_meal of 'daycare_meal_nutrition' are not allowed"):
        export_release(release_lake, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "kcal", tmp_path, ME,
                       tables=["daycare_meal_nutrition"], columns=["center_code", "kcal_per_child_meal"], on=ON)
    assert [r["result"] for r in access_log(release_lake)] == ["refused", "refused"]


def test_every_agreement_is_consistent_with_the_registers_and_contracts():
    # Every registered pilot can export under some agreement (a new pilot needs one before its first export).
    assert set(pilots()) <= {a.pilot for a in agreements().values() if a.kind == "release"}
    for agreement in agreements().values():
        assert agreement.kind in ("release", "operational") and agreement.approver and agreement.legal_basis
        assert agreement.valid_from <= agreement.valid_to and agreement.purpose_code in purposes()
        if agreement.kind == "release":
            pilot = pilots()[agreement.pilot]
            assert agreement.purpose_code in pilot.purposes
            release = {t.name: [c.name for c in t.columns] for t in get_contract(pilot.release).tables}
            # The whole current release is covered: a new release column needs a new agreement first.
            assert {t: sorted(c) for t, c in agreement.datasets.items()} == {t: sorted(c) for t, c in release.items()}
        else:
            assert agreement.roles
            for table, columns in agreement.datasets.items():
                contract = get_contract(table)
                assert contract.layer == "raw" and contract.custom["purpose_code"] == agreement.purpose_code
                assert set(columns) <= {c.name for c in contract.table.columns}
                assert "rrn" not in columns  # the call service never needs the resident registration number


# --- operational export ---------------------------------------------------------------------------------

@pytest.fixture
def welfare_lake(settings):
    build_welfare_raw(settings)
    return settings


def test_operational_export_feeds_the_call_service_and_is_logged(welfare_lake, tmp_path):
    manifest = export_operational(welfare_lake, "WELLBEING_CALL_OPERATIONS", "welfare_officer",
                                  "오늘 미응답자 방문 확인", tmp_path, OFFICER, on=ON)
    feed = duckdb.connect().execute(f"SELECT * FROM '{tmp_path / 'wellbeing_call_feed.parquet'}'").pl()
    assert feed["person_id"].to_list() == ["P00000001", "P00000002"]  # closed case 종결 left out
    assert feed["phone"].to_list() == ["010-1234-5678", "010-2222-3333"]  # the latest extract's phone
    first = feed.row(0, named=True)
    assert (first["last_call_result"], first["last_call_risk_score"]) == ("응답", 55)  # the latest attempt
    assert feed.row(1, named=True)["last_call_called_at"] is None
    assert "rrn" not in feed.columns and manifest["legal_basis"] == purposes()["WELLBEING_CALL_OPERATIONS"].legal_basis
    assert (tmp_path / "wellbeing_call_feed.parquet").stat().st_mode & 0o077 == 0
    [row] = access_log(welfare_lake)
    assert {k: row[k] for k in ("account", "host", "action", "purpose_code", "role", "agreement", "rows", "result")} == {
        "account": "officer07", "host": "dong-pc-3", "action": "operational_export",
        "purpose_code": "WELLBEING_CALL_OPERATIONS", "role": "welfare_officer", "agreement": "DUA-2026-WF-OPS-001",
        "rows": 2, "result": "exported"}
    assert row["legal_basis"].startswith("노인복지법") and row["reason"] == "오늘 미응답자 방문 확인"
    assert json.loads(row["datasets"]) == ["raw_identified.welfare_cases", "raw_identified.welfare_call_logs"]


@pytest.mark.parametrize(("purpose", "role", "reason", "message"), [
    ("", "welfare_officer", "visit", "must name a legal basis"),
    ("NO_SUCH_BASIS", "welfare_officer", "visit", "not in the purpose register"),
    ("AI_WELLBEING_CHECK_STATS", "welfare_officer", "visit", "does not match the operational agreement"),
    ("WELLBEING_CALL_OPERATIONS", "", "visit", "a role is required"),
    ("WELLBEING_CALL_OPERATIONS", "data_analyst", "visit", "role 'data_analyst' is not allowed"),
    ("WELLBEING_CALL_OPERATIONS", "welfare_officer", "", "reason is required"),
])
def test_operational_export_is_refused_without_basis_or_role_and_logged(welfare_lake, tmp_path, purpose, role, reason, message):
    with pytest.raises(ExportRefused, match=message):
        export_operational(welfare_lake, purpose, role, reason, tmp_path / "out", OFFICER, on=ON)
    assert not (tmp_path / "out" / "wellbeing_call_feed.parquet").exists()
    [row] = access_log(welfare_lake)
    assert (row["action"], row["result"], row["role"], row["account"]) == ("operational_export", "refused", role, "officer07")
    assert message in row["detail"]


def test_the_analyst_database_never_contains_the_operational_feed(welfare_lake, tmp_path, monkeypatch):
    from governance import analyst

    assert not [t for a in analyst.audiences() for t in analyst.analyst_tables(a)
                if t.startswith(("raw_identified.", "quarantine.", "landing."))]
    export_operational(welfare_lake, "WELLBEING_CALL_OPERATIONS", "call_center_operator", "call round", tmp_path, OFFICER, on=ON)
    with lake_write(welfare_lake, "curated_marts/example", "test") as con:
        con.execute("CREATE TABLE lake.curated_marts.example AS SELECT '화곡1동' AS adong_name, 12 AS people")
    monkeypatch.setattr(analyst, "analyst_tables", lambda audience: ["curated_marts.example"])
    analyst.publish_analyst_dbs(welfare_lake)
    con = analyst.analyst_connection(welfare_lake, "welfare")
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert tables == ["example"]
    feed_values = {v for p in PEOPLE for v in p[:4]}
    for table in tables:
        cells = {str(v) for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row}
        assert not cells & feed_values
    with pytest.raises(duckdb.Error):  # and a session cannot reach the exported file either
        con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'wellbeing_call_feed.parquet'}')")


def test_purposes_cli_lists_the_register_with_pilots_and_datasets():
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ["purposes", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    food = rows["DAYCARE_FOOD_SCANNER_STATS"]
    assert food["pilots"] == ["daycare_food_scanner"] and "stg_childcare__meals" in food["datasets"]
    assert rows["DAYCARE_FACILITY_INFO"]["pilots"] == []


def test_cli_export_operational_refuses_without_a_role_and_logs_it(welfare_lake, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from cli import app

    use_lake(monkeypatch, welfare_lake)
    args = ["export-operational", "--purpose", "WELLBEING_CALL_OPERATIONS", "--reason", "visit", "--out", str(tmp_path)]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "a role is required" in refused.output
    done = CliRunner().invoke(app, [*args, "--role", "welfare_officer", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == 2
    assert [(r["result"], r["role"]) for r in access_log(welfare_lake)] == [("refused", ""), ("exported", "welfare_officer")]
