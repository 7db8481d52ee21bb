"""Every `lakehouse sql` query is in the access log: answered, refused or failed, never its values."""

import json

import pytest
from filelock import FileLock, Timeout
from typer.testing import CliRunner

from catalog.registry import audiences
from cli import app
from governance import analyst
from governance.analyst import QueryFailed, QueryRefused, run_query
from governance.audit import ACCESS_LOG, Requester, monthly_report, report_markdown, verify_access_log
from lake.session import ensure_zones, lake_session, lake_write

ANALYST = Requester("analyst05", "ws-9")
SECRET = "화곡1동-비밀값"  # a value in a mart: it may be returned, never logged


@pytest.fixture
def lake(settings):
    """Two marts in the lake, published to the audiences their contracts name."""
    ensure_zones(settings)
    with lake_write(settings, "curated_marts/test", "test") as con:
        con.execute(f"CREATE TABLE lake.curated_marts.welfare_dong_statistics AS SELECT '{SECRET}' AS adong_name, 12 AS people")
        con.execute("CREATE TABLE lake.curated_marts.ai_wellbeing_check AS SELECT 'p1' AS person_pseudonym")
    built = {"curated_marts.welfare_dong_statistics"}
    real = analyst.analyst_tables
    with pytest.MonkeyPatch.context() as mp:  # publish only the marts built here
        mp.setattr(analyst, "analyst_tables", lambda audience: [t for t in real(audience) if t in built])
        analyst.publish_analyst_dbs(settings)
    return settings


def log(settings) -> list[dict]:
    with lake_session(settings, read_only=True) as con:
        cursor = con.execute(f"SELECT * FROM {ACCESS_LOG} ORDER BY seq")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


def test_an_answered_query_is_logged_with_who_what_and_how_many_never_the_values(lake):
    query = "SELECT adong_name, people FROM welfare_dong_statistics"
    answer = run_query(lake, "welfare", query, ANALYST)
    assert answer.columns == ["adong_name", "people"] and answer.rows == [(SECRET, 12)]
    [row] = log(lake)
    assert {k: row[k] for k in ("account", "host", "action", "audience", "query", "rows", "result")} == {
        "account": "analyst05", "host": "ws-9", "action": "query", "audience": "welfare", "query": query,
        "rows": 1, "result": "answered"}
    assert json.loads(row["datasets"]) == ["welfare_dong_statistics"] and row["logged_at"] and row["row_hash"]
    assert SECRET not in json.dumps(row, ensure_ascii=False, default=str)


@pytest.mark.parametrize(("audience", "query", "outcome", "message"), [
    ("welfare", "CREATE TABLE stolen AS SELECT 1", "refused", "read-only"),
    ("welfare", "INSERT INTO welfare_dong_statistics VALUES ('x', 1)", "refused", "read-only"),
    ("welfare", "SET lock_configuration = false", "refused", "read-only"),
    ("welfare", "SELECT * FROM read_csv('/etc/passwd')", "refused", "disabled"),
    ("welfare", "SELECT count(*) FROM ai_wellbeing_check", "refused", "purpose-bound export"),
    ("welfare", "SELECT * FROM raw_identified.welfare_cases", "refused", "raw dataset"),
    ("commerce", "SELECT * FROM welfare_dong_statistics", "refused", "not available to audience 'commerce'"),
    ("everyone", "SELECT 1", "refused", "unknown audience"),
    (None, "SELECT 1", "refused", "--audience"),
    ("welfare", "SELEC 1", "failed", "syntax error"),
    ("welfare", "SELECT nope FROM welfare_dong_statistics", "failed", "nope"),
])
def test_refusals_and_failures_are_raised_clearly_and_logged(lake, audience, query, outcome, message):
    with pytest.raises(QueryRefused if outcome == "refused" else QueryFailed, match=message):
        run_query(lake, audience, query, ANALYST)
    [row] = log(lake)
    assert (row["action"], row["result"], row["rows"], row["query"], row["audience"]) == \
        ("query", outcome, 0, query, audience or "")
    assert message in row["detail"]


def test_a_name_given_with_as_is_the_account_and_the_os_account_is_kept(lake):
    run_query(lake, "welfare", "SELECT 1", Requester("kim.analyst", "ws-9", os_account="svc_lakehouse"))
    [row] = log(lake)
    assert row["account"] == "kim.analyst" and "os account svc_lakehouse" in row["detail"]
    assert Requester.current().os_account == ""  # no --as: the OS account is the account


def test_the_query_runs_without_the_lake_lock(lake, monkeypatch):
    """The log append takes the lake lock after the query; a query never waits on (or blocks) the lake."""
    seen = []
    real = analyst._answer

    def answer_while_checking_the_lock(*args):
        lock = FileLock(str(lake.lock_file))
        try:
            lock.acquire(timeout=0)
            lock.release()
            seen.append("free")
        except Timeout:
            seen.append("held")
        return real(*args)

    monkeypatch.setattr(analyst, "_answer", answer_while_checking_the_lock)
    run_query(lake, "welfare", "SELECT 1", ANALYST)
    assert seen == ["free"] and len(log(lake)) == 1


@pytest.mark.parametrize(("tamper", "problem"), [
    (f"UPDATE {ACCESS_LOG} SET query = 'SELECT 1' WHERE seq = 2", "row seq 2 does not match its hash"),
    (f"UPDATE {ACCESS_LOG} SET audience = 'district' WHERE seq = 2", "row seq 2 does not match its hash"),
    (f"UPDATE {ACCESS_LOG} SET result = 'answered' WHERE seq = 3", "row seq 3 does not match"),
    (f"DELETE FROM {ACCESS_LOG} WHERE seq = 2", "seq 2 is missing"),
    (f"DELETE FROM {ACCESS_LOG} WHERE seq = 3", "snapshot"),
])
def test_an_edited_or_deleted_query_entry_is_detected(lake, tamper, problem):
    run_query(lake, "welfare", "SELECT count(*) FROM welfare_dong_statistics", ANALYST)
    run_query(lake, "welfare", "SELECT adong_name FROM welfare_dong_statistics", ANALYST)
    with pytest.raises(QueryRefused):
        run_query(lake, "welfare", "SELECT * FROM ai_wellbeing_check", ANALYST)
    with lake_session(lake, read_only=True) as con:
        assert verify_access_log(con).ok
    with lake_session(lake) as con:
        con.execute(tamper)
    with lake_session(lake, read_only=True) as con:
        result = verify_access_log(con)
    assert not result.ok and any(problem in p for p in result.problems), result.problems


def test_the_monthly_report_counts_queries_per_account_and_audience(lake):
    for _ in range(2):
        run_query(lake, "welfare", "SELECT * FROM welfare_dong_statistics", ANALYST)
    curious = Requester("curious", "ws-2")
    for query in ("SELECT * FROM ai_wellbeing_check", "DROP TABLE welfare_dong_statistics",
                  "SELECT * FROM raw_identified.welfare_cases"):
        with pytest.raises(QueryRefused):
            run_query(lake, "welfare", query, curious)
    with pytest.raises(QueryFailed):
        run_query(lake, "commerce", "SELEC 1", ANALYST)
    report = monthly_report(lake, f"{log(lake)[0]['logged_at']:%Y-%m}")
    totals = report["totals"]
    assert (totals["entries"], totals["queries"], totals["queries_refused"], totals["refusals"]) == (6, 6, 3, 3)
    assert totals["exports"] == totals["rows_exported"] == 0 and report["by_account"] == []
    assert report["queries"] == [
        {"account": "analyst05", "audience": "commerce", "answered": 0, "refused": 0, "failed": 1, "rows_returned": 0},
        {"account": "analyst05", "audience": "welfare", "answered": 2, "refused": 0, "failed": 0, "rows_returned": 2},
        {"account": "curious", "audience": "welfare", "answered": 0, "refused": 3, "failed": 0, "rows_returned": 0},
    ]
    assert [r["query"] for r in report["refusals"]][0] == "SELECT * FROM ai_wellbeing_check"
    assert {(f["rule"], f["account"]) for f in report["unusual"]} == {("refusals", "curious")}
    text = report_markdown(report)
    assert "## Queries (lakehouse sql)" in text and "| curious | welfare | 0 | 3 | 0 | 0 |" in text
    assert "SELECT * FROM ai_wellbeing_check" in text  # the refused query's text, for the reviewer


def test_cli_sql_needs_an_audience_and_logs_every_attempt(lake, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(lake.data_dir))
    missing = CliRunner().invoke(app, ["sql", "SELECT 1"])
    assert missing.exit_code == 1 and "--audience" in missing.output
    assert all(a in missing.output for a in audiences())
    answered = CliRunner().invoke(app, ["sql", "--audience", "welfare", "--as", "lee", "--format", "json",
                                        "SELECT people FROM welfare_dong_statistics"])
    assert answered.exit_code == 0, answered.output
    assert json.loads(answered.stdout) == [{"people": 12}]
    refused = CliRunner().invoke(app, ["sql", "--audience", "welfare", "SELECT count(*) FROM ai_wellbeing_check"])
    assert refused.exit_code == 1 and "refused" in refused.output
    assert [(r["result"], r["account"] == "lee") for r in log(lake)] == [("refused", False), ("answered", True),
                                                                          ("refused", False)]
    report = CliRunner().invoke(app, ["audit", "report", "--month", f"{log(lake)[0]['logged_at']:%Y-%m}"])
    assert report.exit_code == 0 and "queries" in report.output


def test_a_query_during_a_main_job_is_answered_at_once_and_its_entry_waits_in_the_spool(lake):
    """Readers never wait: with the lake held by a writer (another process), the query is answered and its
    entry is spooled; the next append chains it, oldest first, and the chain verifies."""
    import subprocess
    import sys
    import time

    from governance.audit import flush_access_spool, spool_dir

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import FileLock; "
                               "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
                               str(lake.lock_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        answer = run_query(lake, "welfare", "SELECT people FROM welfare_dong_statistics", ANALYST)
        assert answer.rows == [(12,)] and time.monotonic() - started < 10
        [spooled] = list(spool_dir(lake).glob("*.json"))
        assert spooled.stat().st_mode & 0o077 == 0 and SECRET not in spooled.read_text(encoding="utf-8")
        assert flush_access_spool(lake, wait=False) == 0  # still held: nothing moves, nothing waits
    finally:
        holder.kill()
        holder.wait()
    run_query(lake, "welfare", "SELECT 1", ANALYST)  # the next append chains the spooled entry first
    rows = log(lake)
    assert [r["query"] for r in rows] == ["SELECT people FROM welfare_dong_statistics", "SELECT 1"]
    assert not list(spool_dir(lake).glob("*.json"))
    with lake_session(lake, read_only=True) as con:
        assert verify_access_log(con).ok
