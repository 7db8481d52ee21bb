"""The main job, run once on the committed sample into a temporary lake, and what it must leave behind.

(Re-runs are in tests/pipeline/test_incremental.py: nothing new runs nothing, and `--all` on an up-to-date lake changes nothing.)
"""

import json
from pathlib import Path

import duckdb

from catalog.registry import audiences
from governance.analyst import analyst_connection
from governance.export import Requester, export_release
from lake.session import lake_session
from lake.settings import DBT_PROJECT_DIR

from conftest import cells_containing, string_cells


def test_main_job_materializes_everything_and_all_checks_pass(materialized):
    settings, summary = materialized
    assert summary.success, summary.failures
    assert summary.checks_failed == []
    assert {"raw_identified/childcare_meals", "staging_pseudonymized/stg_childcare__meals",
            "curated_marts/daycare_meal_nutrition", "release/daycare_food_scanner", "analyst/analyst_db"} \
        <= set(summary.assets_materialized)
    assert any(name.endswith(":gx_contract_suite") for name in summary.checks_passed)
    assert any(name.endswith(":small_cells_suppressed") for name in summary.checks_passed)
    assert any(name.endswith(":contract_rules_stg_childcare__meals") for name in summary.checks_passed)
    # A dbt build that succeeded leaves no folder of its own in the project's target/ (dagster-dbt names it).
    assert not list((DBT_PROJECT_DIR / "target").glob(f"dbt_models-{summary.run_id[:7]}-*"))


def test_a_broken_contract_rule_fails_its_models_one_dbt_test_and_is_named(lake_copy, monkeypatch):
    """The contract's column rules are one dbt test per model: it fails when a row breaks one, and its rows name
    each rule broken with the rows breaking it."""
    from orchestration.defs.resources import dbt_cli
    from transforms.dbt_project import prepare_manifest

    settings, _ = lake_copy
    for name, value in settings.env().items():
        monkeypatch.setenv(name, value)
    test = "contract_rules_meal_nutrition_reference"

    def run_test():
        invocation = dbt_cli().cli(["test", "--select", test], manifest=prepare_manifest(settings),
                                   raise_on_error=False)
        invocation.wait()
        compiled = next(invocation.target_path.rglob(f"compiled/**/{test}.sql")).read_text()
        with lake_session(settings, read_only=True) as con:
            return invocation.is_successful(), con.execute(compiled).fetchall()

    assert run_test() == (True, [])
    with lake_session(settings) as con:
        con.execute("INSERT INTO lake.reference.meal_nutrition_reference VALUES ('야식', -5, 1), ('점심', -1, 2)")
    passed, broken = run_test()
    assert not passed
    assert sorted(broken) == [("in_set:meal_slot", 1), ("minimum:kcal_reference", 2)]


def test_row_accounting_holds_through_the_layers(materialized):
    settings, summary = materialized
    with lake_session(settings, read_only=True) as con:
        read, loaded, quarantined = con.execute(
            "SELECT sum(rows), sum(loaded), sum(quarantined) FROM lake.landing.files WHERE source = 'childcare_meals'").fetchone()
        staged = con.execute("SELECT count(*) FROM lake.staging_pseudonymized.stg_childcare__meals").fetchone()[0]
        served = con.execute("SELECT sum(child_meals_served) FROM lake.curated_marts.daycare_meal_nutrition").fetchone()[0]
        withheld = con.execute("SELECT count(*) FROM lake.curated_marts.daycare_meal_nutrition WHERE suppressed").fetchone()[0]
    assert read == loaded + quarantined == 6632
    assert summary.rows["raw_identified.childcare_meals"] == loaded == staged
    assert withheld or served == staged  # every staged meal is counted unless its cell is withheld


def test_every_lake_write_is_a_snapshot_naming_asset_and_run(materialized):
    settings, summary = materialized
    with lake_session(settings, read_only=True) as con:
        rows = con.execute("SELECT commit_message, commit_extra_info FROM lake.snapshots() WHERE snapshot_id > 0").fetchall()
    for message, extra in rows:
        assert message and message.startswith("asset="), rows
    messages = [m for m, _ in rows]
    for asset in ("raw_identified/childcare_meals", "staging_pseudonymized/stg_childcare__meals",
                  "curated_marts/daycare_meal_nutrition", "release/daycare_food_scanner"):
        assert f"asset={asset} run={summary.run_id}" in messages
    assert all(json.loads(extra)["run_id"] for _, extra in rows)


def test_marts_have_no_child_level_rows_and_respect_small_cells(materialized):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        cells = con.execute("SELECT count(*), count(DISTINCT (center_code, week_start, meal_slot)) "
                            "FROM lake.curated_marts.daycare_meal_nutrition").fetchone()
        smallest = con.execute("SELECT min(children_served) FROM lake.curated_marts.daycare_meal_nutrition").fetchone()[0]
        smallest_exposure = con.execute("SELECT min(exposed_children) FROM lake.curated_marts.daycare_allergen_exposure").fetchone()[0]
    assert cells[0] == cells[1]  # one row per centre-week-slot
    assert smallest >= 5 and smallest_exposure >= 5


def test_no_child_identifier_reaches_staging_marts_releases_analyst_db_or_exports(materialized, child_ids, tmp_path):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        tables = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'lake' "
                             "AND schema_name NOT IN ('raw_identified', 'quarantine', 'landing')").fetchall()
        assert len(tables) >= 7
        for (table,) in tables:
            assert not cells_containing(string_cells(con, f"lake.{table}"), child_ids), table
        # The raw zone does hold them: the scan can find what it looks for.
        assert cells_containing(string_cells(con, "lake.raw_identified.childcare_meals"), child_ids)
    for audience in audiences():
        analyst = analyst_connection(settings, audience)
        for (table,) in analyst.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            assert not cells_containing(string_cells(analyst, table), child_ids), (audience, table)
        analyst.close()
    manifest = export_release(settings, "daycare_food_scanner", "DAYCARE_FOOD_SCANNER_STATS", "scan test",
                              tmp_path / "export", Requester("tester", "localhost"))
    reader = duckdb.connect()
    for table in manifest["tables"].values():
        cells = string_cells(reader, f"read_parquet('{tmp_path / 'export' / table['file']}')")
        assert not cells_containing(cells, child_ids)
    exported_text = "".join(p.read_bytes().decode("latin-1") for p in Path(tmp_path / "export").iterdir())
    assert not any(i in exported_text for i in child_ids)


def test_gx_data_docs_are_built_under_data(materialized):
    settings, _ = materialized
    index = settings.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert index.exists() and "childcare_meals" in index.read_text(encoding="utf-8")


def test_logs_and_run_history_hold_no_child_identifier_and_no_key(materialized, child_ids):
    settings, _ = materialized
    key = (settings.key_dir / "DAYCARE_FOOD_SCANNER_STATS.key").read_text().strip()
    places = [*settings.dagster_home.rglob("*"), *(DBT_PROJECT_DIR / "logs").rglob("*"), *settings.quality_dir.rglob("*.json")]
    files = [p for p in places if p.is_file()]
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert key not in text, path
        assert not any(i in text for i in child_ids), path
