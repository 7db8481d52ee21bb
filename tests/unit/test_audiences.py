"""Per-audience analyst databases: the contract says who may query a mart, the tier says who never may."""

import os
from dataclasses import replace

import duckdb
import pytest

from catalog.contracts import EXPORT_ONLY_TIER, audience_problems, load_contracts, tier_rank
from catalog.registry import audiences
from governance import analyst
from lake.session import ensure_zones, lake_write

from conftest import make_settings

MARTS = [c for c in load_contracts().values() if c.layer == "mart"]
PERSON_LEVEL = {"ai_wellbeing_check", "companion_robot_care"}


def build_marts(settings) -> None:
    """Every mart of the contracts as a one-row table naming itself: enough to publish every audience."""
    ensure_zones(settings)
    with lake_write(settings, "curated_marts/test", "test") as con:
        for table in (t for c in MARTS for t in c.tables):
            con.execute(f"CREATE TABLE lake.{table.physical_name} AS SELECT '{table.name}' AS mart")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("audiences"))
    build_marts(settings)
    return settings, analyst.publish_analyst_dbs(settings)


def tables_in(path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


# --- the model ---------------------------------------------------------------------------------------------

def test_every_mart_declares_registered_audiences_and_every_audience_gets_marts():
    for mart in MARTS:
        assert isinstance(mart.custom.get("audiences"), list), f"{mart.id}: no audiences property"
        assert set(mart.audiences) <= set(audiences()), mart.id
    for audience in audiences():
        assert analyst.audience_marts(audience), f"audience {audience} gets no mart"


def test_person_level_marts_are_in_no_audience():
    export_only = {c.id for c in MARTS if tier_rank(c.tier) >= tier_rank(EXPORT_ONLY_TIER)}
    assert PERSON_LEVEL <= export_only
    for audience in audiences():
        assert not {c.id for c in analyst.audience_marts(audience)} & export_only, audience


def test_sensitive_domains_stay_with_their_audience():
    """Children's and disability data go to their own audiences, never to commerce or district-wide analysts."""
    who = {c.id: set(c.audiences) for c in MARTS}
    assert who["daycare_meal_nutrition"] == who["daycare_allergen_exposure"] == {"childcare"}
    assert "district" not in who["disabled_parking_enforcement"] and "commerce" not in who["disabled_parking_enforcement"]
    assert who["commerce_store_history"] == {"commerce"}  # store-level history: sole proprietors can be identified


@pytest.mark.parametrize(("change", "problem"), [
    ({"audiences": ["welfare"]}, "person- or household-level pseudonymized"),
    ({"audiences": ["marketing"]}, "'marketing' is not in catalog/audiences.yaml"),
    ({"audiences": ["welfare", "welfare"]}, "listed twice"),
    ({"audiences": None}, "missing custom property 'audiences'"),
])
def test_the_contract_check_catches_a_bad_audience(change, problem):
    mart = load_contracts()["ai_wellbeing_check"]
    custom = {k: v for k, v in {**mart.custom, **change}.items() if v is not None}
    problems = audience_problems(replace(mart, custom=custom), set(audiences()))
    assert any(problem in p for p in problems), problems


def test_only_marts_have_audiences():
    stage = load_contracts()["stg_welfare__cases"]
    assert audience_problems(replace(stage, custom={**stage.custom, "audiences": ["welfare"]}), set(audiences()))
    assert audience_problems(stage, set(audiences())) == []


def test_the_tier_keeps_a_person_level_mart_out_even_if_its_contract_names_an_audience(monkeypatch):
    contracts = load_contracts()
    leaky = {**contracts, "ai_wellbeing_check": replace(
        contracts["ai_wellbeing_check"], custom={**contracts["ai_wellbeing_check"].custom, "audiences": ["welfare"]})}
    monkeypatch.setattr(analyst, "load_contracts", lambda: leaky)
    assert leaky["ai_wellbeing_check"].audiences == ("welfare",)
    assert "curated_marts.ai_wellbeing_check" not in analyst.analyst_tables("welfare")


# --- the databases -----------------------------------------------------------------------------------------

def test_each_audience_database_holds_exactly_its_marts(published):
    settings, rows = published
    for audience in audiences():
        expected = {t.name for c in analyst.audience_marts(audience) for t in c.tables}
        assert tables_in(analyst.analyst_db(settings, audience)) == expected == set(rows[audience]), audience
        assert not expected & PERSON_LEVEL
    assert sorted(p.name for p in analyst.analyst_dir(settings).iterdir()) == sorted(
        [f"{a}.duckdb" for a in audiences()] + ["copies.json"])  # and what each database copied (no value)


def test_a_session_of_one_audience_cannot_see_another_audiences_mart(published):
    settings, _ = published
    con = analyst.analyst_connection(settings, "commerce")
    assert con.execute("SELECT mart FROM commerce_insight").fetchall() == [("commerce_insight",)]
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM daycare_meal_nutrition")
    with pytest.raises(analyst.QueryRefused, match="unknown audience 'everyone'.*district"):
        analyst.analyst_connection(settings, "everyone")


def test_republishing_is_atomic_and_removes_the_old_all_marts_database(tmp_path):
    settings = make_settings(tmp_path)
    build_marts(settings)
    analyst.publish_analyst_dbs(settings)
    legacy = analyst.analyst_dir(settings) / "analyst.duckdb"
    duckdb.connect(str(legacy)).close()
    reader = analyst.analyst_connection(settings, "childcare")  # a reader holding the file being replaced
    before = os.stat(analyst.analyst_db(settings, "childcare")).st_ino
    add_row(settings, "curated_marts.daycare_meal_nutrition")
    analyst.publish_analyst_dbs(settings)
    assert os.stat(analyst.analyst_db(settings, "childcare")).st_ino != before  # a new file swapped in …
    assert reader.execute("SELECT count(*) FROM daycare_meal_nutrition").fetchone() == (1,)  # … the old one still whole
    assert not legacy.exists()
    left = {p.name for p in analyst.analyst_dir(settings).iterdir() if p.suffix != ".duckdb"}
    assert left == {"copies.json"}  # nothing half-built left


def add_row(settings, table: str) -> None:
    with lake_write(settings, "curated_marts/test", "test") as con:
        con.execute(f"INSERT INTO lake.{table} VALUES ('one more')")


def inodes(settings) -> dict[str, int]:
    return {audience: os.stat(analyst.analyst_db(settings, audience)).st_ino for audience in audiences()}


def test_a_database_is_built_again_only_when_one_of_its_marts_changed(tmp_path):
    settings = make_settings(tmp_path)
    build_marts(settings)
    first = analyst.publish_analyst_dbs(settings)
    built = inodes(settings)
    assert analyst.publish_analyst_dbs(settings) == first and inodes(settings) == built  # nothing changed: all kept

    add_row(settings, "curated_marts.daycare_meal_nutrition")  # a childcare mart
    again = analyst.publish_analyst_dbs(settings)
    rebuilt = {audience for audience, inode in inodes(settings).items() if inode != built[audience]}
    assert rebuilt == {"childcare"} and again["childcare"]["daycare_meal_nutrition"] == 2
    with analyst.analyst_connection(settings, "childcare") as con:
        assert con.execute("SELECT count(*) FROM daycare_meal_nutrition").fetchone() == (2,)
    assert {a: rows for a, rows in again.items() if a != "childcare"} == {a: rows for a, rows in first.items() if a != "childcare"}

    (analyst.analyst_dir(settings) / "copies.json").unlink()  # the record lost: every database is built again
    before = inodes(settings)
    analyst.publish_analyst_dbs(settings)
    assert all(inode != before[audience] for audience, inode in inodes(settings).items())


def test_a_failed_build_leaves_the_previous_database_in_place(tmp_path, monkeypatch):
    settings = make_settings(tmp_path)
    build_marts(settings)
    analyst.publish_analyst_dbs(settings)
    target = analyst.analyst_db(settings, "district")
    before = target.read_bytes()
    real = analyst.analyst_tables
    monkeypatch.setattr(analyst, "analyst_tables",
                        lambda a: [*real(a), "curated_marts.not_built_yet"] if a == "district" else real(a))
    monkeypatch.setattr(analyst, "table_exists", lambda con, name: True)  # so the missing table fails the copy
    with pytest.raises(duckdb.CatalogException):
        analyst.publish_analyst_dbs(settings)
    assert target.read_bytes() == before
    assert not list(analyst.analyst_dir(settings).glob(".*building*"))


def test_a_mart_of_a_domain_not_built_yet_is_left_out(tmp_path, monkeypatch):
    """`lakehouse run --domain` builds one domain's marts; the analyst databases hold what exists so far."""
    settings = make_settings(tmp_path)
    build_marts(settings)
    real = analyst.analyst_tables
    monkeypatch.setattr(analyst, "analyst_tables",
                        lambda a: [*real(a), "curated_marts.not_built_yet"] if a == "district" else real(a))
    published = analyst.publish_analyst_dbs(settings)
    assert "not_built_yet" not in published["district"] and published["district"]


def test_cli_catalog_list_shows_each_marts_audiences():
    import json

    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ["catalog", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["commerce_insight"]["audiences"] == ["commerce", "district"]
    assert rows["ai_wellbeing_check"]["audiences"] == [] and rows["stg_welfare__cases"]["audiences"] == []
