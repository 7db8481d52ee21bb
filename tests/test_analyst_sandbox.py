"""Analyst sessions see marts only and cannot break out of the sandbox."""

import json

import duckdb
import pytest
from typer.testing import CliRunner

from catalog.contracts import load_contracts
from governance.analyst import analyst_connection
from cli import app


def test_analysts_see_the_marts_and_nothing_else(materialized):
    settings, summary = materialized
    con = analyst_connection(settings)
    tables = {t for (t,) in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
    marts = {f"marts.{t.name}" for c in load_contracts().values() if c.layer == "mart" for t in c.tables}
    assert tables == marts and {"marts.daycare_meal_nutrition", "marts.ai_wellbeing_check", "marts.commerce_insight"} <= marts
    staged_or_raw = {t.name for c in load_contracts().values() if c.layer in ("raw", "staging") for t in c.tables}
    assert not {t.split(".")[1] for t in tables} & staged_or_raw
    rows = con.execute("SELECT count(*) FROM daycare_meal_nutrition").fetchone()[0]
    assert rows == summary.rows["curated_marts.daycare_meal_nutrition"]


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
    con = analyst_connection(settings)
    with pytest.raises(duckdb.Error):
        con.execute(attempt.format(data=settings.data_dir, samples=SAMPLES, tmp=tmp_path))
    assert not (tmp_path / "leak.csv").exists()


def test_cli_sql_json_is_an_array_of_row_objects(materialized, monkeypatch):
    settings, _ = materialized
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["sql", "SELECT meal_slot, count(*) AS cells FROM daycare_meal_nutrition GROUP BY 1 ORDER BY 1",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["meal_slot"] for r in rows] == sorted(["오전간식", "점심", "오후간식"]) and all(r["cells"] > 0 for r in rows)
    denied = CliRunner().invoke(app, ["sql", "SELECT * FROM read_csv('/etc/passwd')"])
    assert denied.exit_code == 1 and "disabled" in denied.output.lower()
