"""Analyst sessions see their audience's marts only, cannot break out of the sandbox, and are access-logged."""

import json
import uuid

import duckdb
import pytest
from typer.testing import CliRunner

from catalog.contracts import load_contracts
from catalog.registry import audiences
from cli import app
from governance.analyst import analyst_connection, audience_marts
from lake.session import lake_session
from conftest import use_lake


def test_each_audience_sees_its_marts_and_nothing_else(materialized):
    settings, summary = materialized
    staged_or_raw = {t.name for c in load_contracts().values() if c.layer in ("raw", "staging") for t in c.tables}
    for audience in audiences():
        con = analyst_connection(settings, audience)
        tables = {t for (t,) in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
        assert tables == {f"marts.{t.name}" for c in audience_marts(audience) for t in c.tables} != set(), audience
        assert not {"marts.ai_wellbeing_check", "marts.companion_robot_care"} & tables
        assert not {t.split(".")[1] for t in tables} & staged_or_raw
    con = analyst_connection(settings, "childcare")
    assert con.execute("SELECT count(*) FROM daycare_meal_nutrition").fetchone()[0] == \
        summary.rows["curated_marts.daycare_meal_nutrition"]
    assert (settings.data_dir / "analyst" / "childcare.duckdb").stat().st_mode & 0o777 == 0o600
    assert not (settings.data_dir / "analyst" / "analyst.duckdb").exists()  # the old all-marts database


@pytest.mark.parametrize("attempt", [
    "ATTACH '{data}/catalog.ducklake' AS lake",
    "SELECT * FROM read_csv('{samples}/childcare_meals/meal_scan_extract_SYNTHETIC.csv')",
    "SELECT * FROM read_parquet('{data}/lake/**/*.parquet')",
    "COPY daycare_meal_nutrition TO '{tmp}/leak.csv'",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "INSTALL httpfs",
    "CREATE TABLE stolen AS SELECT 1",
])
def test_breakout_attempts_fail(materialized, tmp_path, attempt):
    from conftest import SAMPLES

    settings, _ = materialized
    con = analyst_connection(settings, "childcare")
    with pytest.raises(duckdb.Error):
        con.execute(attempt.format(data=settings.data_dir, samples=SAMPLES, tmp=tmp_path))
    assert not (tmp_path / "leak.csv").exists()


def logged(settings, account: str) -> list[dict]:
    with lake_session(settings, read_only=True) as con:
        cursor = con.execute("SELECT * FROM lake.audit.access_log WHERE account = ? ORDER BY seq", [account])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]


def test_cli_sql_json_is_an_array_of_row_objects_and_every_query_is_logged(materialized, monkeypatch):
    settings, _ = materialized
    use_lake(monkeypatch, settings)
    me = f"sandbox-{uuid.uuid4().hex[:8]}"  # the shared lake's log is shared: find this test's rows by account
    query = "SELECT meal_slot, count(*) AS cells FROM daycare_meal_nutrition GROUP BY 1 ORDER BY 1"
    result = CliRunner().invoke(app, ["sql", query, "--audience", "childcare", "--as", me, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["meal_slot"] for r in rows] == sorted(["오전간식", "점심", "오후간식"]) and all(r["cells"] > 0 for r in rows)
    denied = CliRunner().invoke(app, ["sql", "SELECT * FROM read_csv('/etc/passwd')", "--audience", "childcare", "--as", me])
    assert denied.exit_code == 1 and "disabled" in denied.output.lower()
    answered, refused = logged(settings, me)
    assert (answered["action"], answered["audience"], answered["query"], answered["rows"], answered["result"]) == \
        ("query", "childcare", query, 3, "answered")
    assert json.loads(answered["datasets"]) == ["daycare_meal_nutrition"]
    assert refused["result"] == "refused" and "disabled" in refused["detail"]


def test_a_person_level_mart_is_refused_to_an_audience_clearly_and_logged(materialized, monkeypatch):
    """The issue's example: the well-being mart is in no analyst database, and asking for it is a logged refusal."""
    settings, _ = materialized
    use_lake(monkeypatch, settings)
    me = f"curious-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(app, ["sql", "--audience", "commerce", "--as", me,
                                      "select count(*) from ai_wellbeing_check"])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "refused" in message and "ai_wellbeing_check" in message and "purpose-bound export" in message, message
    [row] = logged(settings, me)
    assert (row["action"], row["audience"], row["result"], row["rows"]) == ("query", "commerce", "refused", 0)
    assert row["query"] == "select count(*) from ai_wellbeing_check" and "ai_wellbeing_check" in row["detail"]
    assert json.loads(row["datasets"]) == ["ai_wellbeing_check"]


def test_sql_without_an_audience_lists_them_and_is_logged(materialized, monkeypatch):
    settings, _ = materialized
    use_lake(monkeypatch, settings)
    me = f"noaudience-{uuid.uuid4().hex[:8]}"
    result = CliRunner().invoke(app, ["sql", "SELECT 1", "--as", me])
    assert result.exit_code == 1
    assert "--audience" in result.output and all(a in result.output for a in audiences())
    [row] = logged(settings, me)
    assert (row["result"], row["audience"]) == ("refused", "")
