import json

import duckdb
import pytest

from orchestration.export import ExportRefused, Requester, export_release
from orchestration.lake import lake_session, table_exists

ME = Requester("steward01", "ws-17")


def access_log(settings) -> list[tuple]:
    with lake_session(settings, read_only=True) as con:
        if not table_exists(con, "audit.access_log"):
            return []
        return con.execute("SELECT account, host, action, pilot, purpose_code, datasets, rows, reason, result, detail "
                           "FROM lake.audit.access_log ORDER BY logged_at").fetchall()


def test_export_writes_parquet_manifest_and_an_access_log_row(materialized, tmp_path):
    settings, _ = materialized
    before = len(access_log(settings))
    manifest = export_release(settings, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS",
                              "weekly nutrition review for the pilot", tmp_path, ME)
    written = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert written == manifest
    assert manifest["pilot"] == "daycare_food_scanner" and manifest["purpose"] == "DAYCARE_FOOD_SCANNER_STATS"
    assert manifest["release"]["contract"] == "daycare_food_scanner"
    for name, table in manifest["tables"].items():
        rows = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{tmp_path / table['file']}')").fetchone()[0]
        assert rows == table["rows"] > 0
        assert table["contract_version"] and all({"name", "type", "tier"} <= set(c) for c in table["columns"])
        assert {g["gate"] for g in table["privacy_gates"]} == \
            {"no_direct_identifiers", "small_cells_suppressed", "k_anonymity", "l_diversity", "tier_propagation"}
        assert all(g["passed"] for g in table["privacy_gates"])
    log = access_log(settings)
    assert len(log) == before + 1
    account, host, action, pilot, purpose, datasets, rows, reason, result, _ = log[-1]
    assert (account, host, action, pilot, purpose, result) == ("steward01", "ws-17", "export", "daycare_food_scanner",
                                                               "DAYCARE_FOOD_SCANNER_STATS", "exported")
    assert rows == sum(t["rows"] for t in manifest["tables"].values()) and reason.startswith("weekly")
    assert "daycare_food_scanner" in json.loads(datasets)
    with lake_session(settings, read_only=True) as con:
        purpose_code, release, items, recipients, period = con.execute(
            "SELECT purpose_code, release, items, recipients, processing_period FROM lake.audit.processing_records "
            "ORDER BY recorded_at DESC LIMIT 1").fetchone()
    assert (purpose_code, release, period) == ("DAYCARE_FOOD_SCANNER_STATS", "daycare_food_scanner", "1 y")
    assert "children_served" in json.loads(items)["daycare_meal_nutrition"]
    assert json.loads(recipients) == {"pilot": "daycare_food_scanner", "account": "steward01"}


@pytest.mark.parametrize(("purpose", "reason", "message"), [
    ("DAYCARE_FACILITY_INFO", "looking around", "not registered for pilot"),
    ("NOT_A_PURPOSE", "looking around", "not in the purpose register"),
    ("DAYCARE_FOOD_SCANNER_STATS", "  ", "reason is required"),
])
def test_refusals_are_clear_and_logged(materialized, tmp_path, purpose, reason, message):
    settings, _ = materialized
    before = len(access_log(settings))
    with pytest.raises(ExportRefused, match=message):
        export_release(settings, "daycare_food_scanner", purpose, reason, tmp_path / "out", ME)
    assert not (tmp_path / "out" / "manifest.json").exists()
    log = access_log(settings)
    assert len(log) == before + 1 and log[-1][8] == "refused" and message in log[-1][9]


def test_purposes_cli_lists_the_register_with_pilots_and_datasets():
    from typer.testing import CliRunner

    from orchestration.cli import app

    result = CliRunner().invoke(app, ["purposes", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    food = rows["DAYCARE_FOOD_SCANNER_STATS"]
    assert food["pilots"] == ["daycare_food_scanner"] and "stg_childcare__meals" in food["datasets"]
    assert rows["DAYCARE_FACILITY_INFO"]["pilots"] == []
