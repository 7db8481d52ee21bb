"""The access log: append-only through the product, tamper-evident outside it, reviewed monthly."""

import json
import re
from datetime import datetime

import pytest

from governance.audit import (ACCESS_LOG, UNUSUAL_RULES, AccessEntry, append_access, log_access, monthly_report,
                                 report_markdown, verify_access_log)
from lake.session import ensure_zones, lake_session, lake_write
from lake.settings import PROJECT_ROOT
from conftest import use_lake


def entry(account="analyst01", result="exported", rows=100, action="export", pilot="daycare_food_scanner",
          purpose="DAYCARE_FOOD_SCANNER_STATS", reason="weekly review") -> AccessEntry:
    return AccessEntry(account, "ws-1", action, pilot, purpose, ["daycare_food_scanner"], rows if result == "exported" else 0,
                       reason, result, "privacy gates passed" if result == "exported" else "agreement expired", "/exports/x")


def write_at(settings, *entries: tuple[str, AccessEntry]) -> None:
    """Append entries with chosen times (UTC), as the gateway would have at those times."""
    with lake_write(settings, "audit/access_log", "test") as con:
        for at, item in entries:
            append_access(con, item, datetime.fromisoformat(at))


def check(settings):
    with lake_session(settings, read_only=True) as con:
        return verify_access_log(con)


@pytest.fixture
def logged(settings):
    ensure_zones(settings)
    for n in range(3):
        log_access(settings, entry(rows=10 + n))
    return settings


def test_the_chain_verifies_and_every_snapshot_is_a_prefix(logged):
    result = check(logged)
    assert result.ok, result.problems
    assert (result.rows, result.head_seq, result.unchained_rows) == (3, 3, 0)
    assert result.snapshots_checked == 3  # one snapshot per access, each compared with today's log


@pytest.mark.parametrize(("tamper", "problem"), [
    (f"UPDATE {ACCESS_LOG} SET reason = 'nothing to see' WHERE seq = 2", "row seq 2 does not match its hash"),
    (f"UPDATE {ACCESS_LOG} SET rows = 1 WHERE seq = 1", "row seq 1 does not match"),
    (f"DELETE FROM {ACCESS_LOG} WHERE seq = 2", "seq 2 is missing"),
    (f"DELETE FROM {ACCESS_LOG} WHERE seq = 3", "snapshot"),  # the tail: only the snapshots remember it
])
def test_an_edit_or_deletion_outside_the_product_is_detected(logged, tamper, problem):
    with lake_session(logged) as con:
        con.execute(tamper)
    result = check(logged)
    assert not result.ok and any(problem in p for p in result.problems), result.problems


def test_a_log_from_before_the_chain_is_upgraded_and_its_old_rows_counted(settings):
    ensure_zones(settings)
    with lake_write(settings, "audit/access_log", "old") as con:
        con.execute(f"""CREATE TABLE {ACCESS_LOG} (logged_at TIMESTAMP, account VARCHAR, host VARCHAR, action VARCHAR,
            pilot VARCHAR, purpose_code VARCHAR, datasets VARCHAR, rows BIGINT, reason VARCHAR, result VARCHAR,
            detail VARCHAR, destination VARCHAR)""")
        con.execute(f"INSERT INTO {ACCESS_LOG} VALUES (TIMESTAMP '2026-01-02 01:00:00', 'a', 'h', 'export', 'p', "
                    "'DAYCARE_FOOD_SCANNER_STATS', '[]', 1, 'r', 'exported', '', '')")
    log_access(settings, entry())
    result = check(settings)
    assert result.ok and (result.rows, result.unchained_rows, result.head_seq) == (2, 1, 1)


AUDIT_TABLES = r"(access_log|processing_records|destruction_records)"
TARGET = rf"[\w.{{}}\"]*{AUDIT_TABLES}[}}\"]*"
WRITES = re.compile(rf"\b(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE(\s+IF\s+EXISTS)?)\s+{TARGET}", re.IGNORECASE)
ALTERS = re.compile(rf"\bALTER\s+TABLE\s+{TARGET}\s+(\w+\s+\w+)", re.IGNORECASE)


def product_sources():
    for folder in ("orchestration", "catalog", "quality", "transforms", "dbt_project"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".sql", ".yml", ".yaml") and path.is_file():
                yield path.relative_to(PROJECT_ROOT), path.read_text(encoding="utf-8")


def test_the_product_has_no_update_or_delete_path_on_the_audit_tables():
    """Only appends (INSERT) and the chain columns' ALTER … ADD COLUMN upgrade touch the audit tables."""
    writes = [f"{path}: {m.group(0)}" for path, text in product_sources() for m in WRITES.finditer(text)]
    alters = [f"{path}: {m.group(0)}" for path, text in product_sources() for m in ALTERS.finditer(text)
              if m.group(m.lastindex).upper() != "ADD COLUMN"]
    assert writes == [] and alters == [], writes + alters


def test_the_scan_itself_finds_a_forbidden_statement():
    assert WRITES.search('con.execute(f"DELETE FROM lake.audit.access_log WHERE seq = 1")')
    assert WRITES.search("UPDATE {ACCESS_LOG} SET x = 1".replace("{ACCESS_LOG}", "lake.audit.access_log"))
    assert not WRITES.search("INSERT INTO lake.audit.access_log VALUES (1)")
    assert ALTERS.search("ALTER TABLE {ACCESS_LOG} DROP COLUMN seq").group(2) == "DROP COLUMN"


# --- monthly review -----------------------------------------------------------------------------------

@pytest.fixture
def may(settings):
    ensure_zones(settings)
    write_at(settings,
             # April: the baseline for the pilot's exports (median 100 rows)
             ("2026-04-06 01:00:00", entry(rows=90)), ("2026-04-13 01:00:00", entry(rows=100)),
             ("2026-04-20 01:00:00", entry(rows=110)),
             # May (UTC; KST = +9 h)
             ("2026-05-04 01:00:00", entry(rows=120)),                       # Mon 10:00 KST, normal
             ("2026-05-11 02:00:00", entry(account="analyst02", rows=1000)),  # > 3 × 100: volume
             ("2026-05-16 03:00:00", entry(rows=50)),                         # Saturday: off hours
             ("2026-05-12 15:30:00", entry(account="officer07", action="operational_export", pilot="ai_wellbeing_call",
                                           purpose="WELLBEING_CALL_OPERATIONS", rows=2)),  # 00:30 KST: off hours
             *((f"2026-05-2{d} 01:00:00", entry(account="curious", result="refused")) for d in range(3)),
             ("2026-05-25 01:00:00", entry(account="analyst02", result="refused")),
             # June: outside the month
             ("2026-06-01 01:00:00", entry(rows=5000)))
    return settings


def test_the_monthly_report_counts_match_the_log(may):
    report = monthly_report(may, "2026-05")
    with lake_session(may, read_only=True) as con:
        exports, operational, refusals, rows = con.execute(f"""
            SELECT count(*) FILTER (WHERE result = 'exported' AND action = 'export'),
                   count(*) FILTER (WHERE result = 'exported' AND action = 'operational_export'),
                   count(*) FILTER (WHERE result = 'refused'),
                   sum(rows) FILTER (WHERE result = 'exported')
            FROM {ACCESS_LOG} WHERE logged_at >= '2026-05-01' AND logged_at < '2026-06-01'""").fetchone()
    totals = report["totals"]
    assert (totals["exports"], totals["operational_exports"], totals["refusals"], totals["rows_exported"]) == \
        (exports, operational, refusals, rows) == (3, 1, 4, 1172)
    assert totals["entries"] == len(report["exports"]) + len(report["refusals"]) == 8
    by_account = {r["account"]: r for r in report["by_account"]}
    assert by_account["curious"]["refusals"] == 3 and by_account["analyst02"] == {
        "account": "analyst02", "exports": 1, "operational_exports": 0, "refusals": 1, "rows": 1000}
    assert sum(r["rows"] for r in report["by_account"]) == rows
    assert report["access_log"]["chain_ok"] and report["access_log"]["head_seq"] == 12


def test_unusual_activity_is_flagged_by_the_documented_rules(may):
    flags = {(f["rule"], f["account"]) for f in monthly_report(may, "2026-05")["unusual"]}
    assert flags == {("volume", "analyst02"), ("off_hours", "analyst01"), ("off_hours", "officer07"),
                     ("refusals", "curious")}
    assert set(UNUSUAL_RULES) == {"volume", "refusals", "off_hours"}


def test_the_report_renders_as_markdown_and_json(may):
    report = monthly_report(may, "2026-05")
    text = report_markdown(report)
    for heading in ("## Totals", "## By account", "## Exports", "## Refusals", "## Unusual", "## Destructions"):
        assert heading in text
    assert text.count("| curious |") >= 1 and "chain verified" in text
    assert json.loads(json.dumps(report, default=str))["totals"]["refusals"] == 4


def test_an_empty_month_and_an_empty_lake_report_zero(settings):
    ensure_zones(settings)
    report = monthly_report(settings, "2026-02")
    assert report["totals"]["entries"] == 0 and report["exports"] == [] and report["access_log"]["rows"] == 0
    assert "(none)" in report_markdown(report)


def test_a_bad_month_is_rejected(settings):
    with pytest.raises(ValueError):
        monthly_report(settings, "May 2026")



def test_cli_audit_report_and_verify(may, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from cli import app

    use_lake(monkeypatch, may)
    result = CliRunner().invoke(app, ["audit", "report", "--month", "2026-05", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["refusals"] == 4
    result = CliRunner().invoke(app, ["audit", "report", "--month", "2026-05", "--format", "markdown",
                                      "--out", str(tmp_path / "2026-05.md")])
    assert result.exit_code == 0 and "## Refusals" in (tmp_path / "2026-05.md").read_text(encoding="utf-8")
    assert CliRunner().invoke(app, ["audit", "report", "--month", "2026-05"]).exit_code == 0
    assert CliRunner().invoke(app, ["audit", "report", "--month", "May"]).exit_code == 1
    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 0
    with lake_session(may) as con:
        con.execute(f"UPDATE {ACCESS_LOG} SET rows = 0 WHERE seq = 5")
    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 1
