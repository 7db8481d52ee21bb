"""Privacy gates and the GX suite on passing and failing fixtures."""

import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from catalog.contracts import get_contract
from quality import gx_runner
from quality.gx_runner import validate_batch
from quality.gx_suites import suite_for
from dataclasses import replace

from quality.privacy_gates import k_anonymous, l_diverse, no_direct_identifiers, small_cells_suppressed, tier_propagation

NUTRITION = get_contract("daycare_meal_nutrition")


def make(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    base = {c.name: None for c in NUTRITION.table.columns}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    types = {c.name: c.physical_type for c in NUTRITION.table.columns}
    con.register("frame", frame)
    con.execute("CREATE TABLE t AS SELECT " + ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in types.items()) + " FROM frame")
    return con


GOOD = {"center_code": "11500000001", "week_start": "2026-01-05", "meal_slot": "점심", "children_served": 12,
        "child_meals_served": 55, "mean_leftover_rate": 0.1, "suppressed": False}
WITHHELD = {"center_code": "11500000002", "week_start": "2026-01-05", "meal_slot": "점심", "suppressed": True}


def test_small_cell_gate_passes_withheld_cells_and_fails_published_small_ones():
    assert small_cells_suppressed(make([GOOD, WITHHELD]), "t", NUTRITION, NUTRITION.table).passed
    small = {**GOOD, "children_served": 3}
    result = small_cells_suppressed(make([small]), "t", NUTRITION, NUTRITION.table)
    assert not result.passed and "below 5" in result.findings[0]
    leaky = {**WITHHELD, "mean_leftover_rate": 0.2}
    result = small_cells_suppressed(make([leaky]), "t", NUTRITION, NUTRITION.table)
    assert not result.passed and "still publish a measure" in result.findings[0]
    assert result.evidence["suppressed_cells"] == 1


@pytest.mark.parametrize(("text", "label"), [
    ("김민지 010-1234-5678", "mobile_phone"), ("주민번호 900101-2345678", "resident_registration_number"),
    ("아동 CH00001234 결석", "childcare_meals.child_id"), ("대상자: 김민지 미응답", "korean_name_in_context"),
    ("박순자 어르신 댁 방문", "korean_name_in_context"), ("02-123-4567", "landline_phone")])
def test_identifier_gate_finds_identifiers_in_free_text_and_names_each_pattern(text, label):
    con = make([{**GOOD, "center_name": text}, GOOD, {**GOOD, "center_name": text}])
    result = no_direct_identifiers(con, "t", NUTRITION.table)
    assert not result.passed and f"2 rows match the {label} pattern" in result.findings
    assert result.evidence["pattern_hits"][label] == 2 and result.evidence["rows_scanned"] == 3
    clean = no_direct_identifiers(make([GOOD]), "t", NUTRITION.table)
    assert clean.passed and clean.evidence["pattern_hits"] == {} and clean.evidence["rows_scanned"] == 1


def test_identifier_gate_rejects_columns_outside_the_contract():
    con = make([GOOD])
    con.execute("ALTER TABLE t ADD COLUMN child_id VARCHAR")
    result = no_direct_identifiers(con, "t", NUTRITION.table)
    assert "column child_id is not in the contract" in result.findings


def test_gx_suite_from_the_contract_fails_on_bad_rows_without_echoing_values(tmp_path):
    table = get_contract("childcare_meals").table
    good = {"center_code": "11500000001", "child_id": "CH00000001", "class_age": 3, "meal_date": pd.Timestamp("2026-01-05"),
            "meal_slot": "점심", "menu": "밥", "allergen_codes": "5.6", "served_g": 200.0, "leftover_g": 20.0,
            "kcal": 300.0, "protein_g": 10.0}
    assert validate_batch(tmp_path, table, pd.DataFrame([good]), "ok").success
    bad = pd.DataFrame([good, {**good, "child_id": "CH00000002", "meal_slot": "야식", "leftover_g": 500.0}])
    outcome = validate_batch(tmp_path, table, bad, "bad")
    assert not outcome.success
    failed = {(f["expectation"], f["column"]) for f in outcome.failed}
    assert ("expect_column_values_to_be_in_set", "meal_slot") in failed
    assert any(e == "expect_column_pair_values_a_to_be_greater_than_b" for e, _ in failed)
    site = (tmp_path / "gx" / "uncommitted").rglob("*.json")
    assert not any("CH00000002" in p.read_text(encoding="utf-8") for p in site)


def test_the_data_docs_index_lists_only_the_newest_results(tmp_path, monkeypatch):
    # every validation rebuilds the index and GX reads each result it lists: unbounded, a validation slows with history
    monkeypatch.setattr(gx_runner, "DOCS_INDEX_RESULTS", 2)
    table = get_contract("wildfire_weather").table
    for batch in ("first", "second", "third", "fourth"):
        outcome = validate_batch(tmp_path, table, pd.DataFrame({c.name: [None] for c in table.columns}), batch)
    results = list((tmp_path / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(results) == 4 and outcome.docs_index.read_text(encoding="utf-8").count("validations/") == 2


def test_a_session_builds_the_data_docs_of_all_its_validations_once_when_it_ends(tmp_path):
    # one step validates every raw asset's batch: one Data Docs build per step, not per validation
    pages = tmp_path / "gx" / "uncommitted" / "data_docs" / "local_site" / "validations"
    tables = [get_contract(source).table for source in ("wildfire_weather", "childcare_centers")]
    with gx_runner.gx_session(tmp_path) as validate:
        for table in tables:
            outcome = validate(table, pd.DataFrame({c.name: [None] for c in table.columns}), "landed")
        assert not pages.exists()
    suites = {suite_for(table).name for table in tables}
    assert {p.relative_to(pages).parts[0] for p in pages.rglob("*.html")} == suites
    index = outcome.docs_index.read_text(encoding="utf-8")
    assert all(f"validations/{suite}/" in index for suite in suites)


def test_a_suite_is_saved_when_its_contract_changes_and_not_on_every_validation(tmp_path):
    # GX's add_or_update compares every expectation with every other: an unchanged suite is not saved again
    table = get_contract("wildfire_weather").table
    suite_file = tmp_path / "gx" / "expectations" / f"{suite_for(table).name}.json"
    frame = pd.DataFrame({c.name: [None] for c in table.columns})
    validate_batch(tmp_path, table, frame, "first")
    saved = suite_file.read_text(encoding="utf-8")
    suite_file.touch()
    before = suite_file.stat().st_mtime_ns
    assert validate_batch(tmp_path, table, frame, "second").evaluated == len(suite_for(table).expectations)
    assert suite_file.stat().st_mtime_ns == before and suite_file.read_text(encoding="utf-8") == saved
    # a contract with one rule more: the stored suite follows it, and the validation runs it
    station = table.column("station_id")
    stricter = replace(table, columns=tuple(replace(c, unique=True) if c is station else c for c in table.columns))
    outcome = validate_batch(tmp_path, stricter, frame, "third")
    assert outcome.evaluated == len(suite_for(stricter).expectations) == len(suite_for(table).expectations) + 1
    assert "expect_column_values_to_be_unique" in suite_file.read_text(encoding="utf-8")


def test_gx_is_imported_on_a_thread_of_its_own():
    # a run with the GX step imports GX while its first steps work: a fresh interpreter, so GX is not there yet
    code = ("import sys, threading; from quality.gx_runner import import_ahead; "
            "assert 'great_expectations' not in sys.modules; thread = import_ahead(); "
            "assert thread is not threading.current_thread(); thread.join(120); "
            "assert 'great_expectations' in sys.modules and 'quality.gx_suites' in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.parametrize("text", ["김치볶음밥 햇살어린이집", "마곡해님어린이집", "구립등촌해님어린이집", "별님 반", "선생님"])
def test_menus_and_centre_names_are_not_mistaken_for_names(text):
    # found by `make bench`: SF 1 centre names such as 마곡해님어린이집 used to trip the name pattern
    con = make([{**GOOD, "center_name": text}])
    assert no_direct_identifiers(con, "t", NUTRITION.table).passed


def _people_table():
    """A contract table with two quasi-identifiers and one sensitive column, built from a real contract."""
    base = NUTRITION.table
    columns = (
        replace(base.column("center_code"), name="age_band", quasi_identifier=True, primary_key=False),
        replace(base.column("center_code"), name="adong", quasi_identifier=True, primary_key=False),
        replace(base.column("center_code"), name="entitlement", sensitive=True, primary_key=False),
    )
    return replace(base, columns=columns)


@pytest.mark.parametrize(("rows", "k_ok", "l_ok", "k_achieved"), [
    ([("70-74", "화곡1동", "생계")] * 3 + [("70-74", "화곡1동", "의료")] * 2, True, True, 5),   # one class of 5, 2 values
    ([("70-74", "화곡1동", "생계")] * 5 + [("85+", "공항동", "의료")], False, False, 1),         # a class of 1, l = 1
    ([], True, True, 0),                                                                       # an empty mart discloses nothing
])
def test_k_and_l_gates_block_and_report_evidence(rows, k_ok, l_ok, k_achieved):
    con = duckdb.connect()
    con.execute("CREATE TABLE p (age_band VARCHAR, adong VARCHAR, entitlement VARCHAR)")
    if rows:
        con.executemany("INSERT INTO p VALUES (?, ?, ?)", rows)
    contract = replace(NUTRITION, custom={**NUTRITION.custom, "k_min": 5, "l_min": 2})
    k = k_anonymous(con, "p", contract, _people_table())
    l = l_diverse(con, "p", contract, _people_table())
    assert (k.passed, l.passed) == (k_ok, l_ok)
    assert k.evidence["k_achieved"] == k_achieved
    assert k.evidence["rows_below_k"] == (0 if k_ok else 1)


def test_tier_propagation_needs_a_declared_anonymising_step():
    assert tier_propagation(NUTRITION).passed  # aggregates of sensitive-pseudonymized data, step declared
    undeclared = replace(NUTRITION, custom={k: v for k, v in NUTRITION.custom.items() if k != "anonymising_step"})
    result = tier_propagation(undeclared)
    assert not result.passed and "below its inputs" in result.findings[0]
