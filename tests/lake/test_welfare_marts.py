"""Welfare marts on the committed sample: features recomputed by hand from the raw zone, k and l reached by
the build itself, small cells withheld so that no margin gives them back."""

from collections import Counter
from datetime import datetime, timedelta

import pytest

from catalog.contracts import get_contract
from lake.session import lake_session
from quality.anonymity import recoverable_cells
from transforms.suppression import grid_from_published
from quality.privacy_gates import release_gates
from transforms.pseudonymize import Pseudonymizer

from conftest import cells_containing, string_cells
from test_welfare_staging import raw_identifiers

QIS = ["age_band", "sex", "adong_code", "household_type"]


def gate(con, contract_id: str, relation: str, name: str):
    contract = get_contract(contract_id)
    return next(r for r in release_gates(con, relation, contract, contract.table) if r.gate == name)


def test_wellbeing_features_match_a_hand_count_from_the_raw_call_log(materialized):
    settings, _ = materialized
    pseudonyms = Pseudonymizer(settings.key_dir)
    with lake_session(settings, read_only=True) as con:
        reference = con.execute("SELECT max(reference_date) FROM lake.raw_identified.welfare_cases").fetchone()[0]
        calls = con.execute("SELECT person_id, called_at, result, follow_up FROM lake.raw_identified.welfare_call_logs "
                            "ORDER BY person_id, called_at").fetchall()
        mart = {row[0]: row[1:] for row in con.execute(
            "SELECT person_pseudonym, calls_answered_7d, calls_missed_7d, calls_answered_28d, calls_missed_28d, "
            "longest_no_answer_streak, escalations_28d FROM lake.curated_marts.ai_wellbeing_check").fetchall()}
    start = datetime.combine(reference, datetime.min.time())
    expected: dict[str, list[int]] = {}
    streak: Counter = Counter()
    for person, called_at, result, follow_up in calls:
        if not start - timedelta(days=28) <= called_at < start:
            continue
        key = pseudonyms.pseudonym("AI_WELLBEING_CHECK_STATS", person)
        counts = expected.setdefault(key, [0, 0, 0, 0, 0, 0])
        answered, recent = result == "응답", called_at >= start - timedelta(days=7)
        counts[0] += answered and recent
        counts[1] += (not answered) and recent
        counts[2] += answered
        counts[3] += not answered
        streak[key] = 0 if answered else streak[key] + 1
        counts[4] = max(counts[4], streak[key])
        counts[5] += follow_up == "동주민센터통보"
    checked = [p for p in mart if p in expected]
    assert len(checked) > 50
    for person in checked:
        assert list(mart[person]) == expected[person], person
    assert any(v[4] >= 3 for v in expected.values())  # the sample holds real no-answer streaks


def test_the_build_reaches_k_and_l_by_generalising_and_records_the_evidence(materialized):
    settings, summary = materialized
    contract = get_contract("ai_wellbeing_check")
    with lake_session(settings, read_only=True) as con:
        k_result = gate(con, "ai_wellbeing_check", "lake.curated_marts.ai_wellbeing_check", "k_anonymity")
        l_result = gate(con, "ai_wellbeing_check", "lake.curated_marts.ai_wellbeing_check", "l_diversity")
        staged = con.execute("SELECT count(*) FROM lake.staging_pseudonymized.stg_welfare__cases").fetchone()[0]
        # the same people without the generalisation: the classes the build had to fix
        raw_k = con.execute(f"SELECT min(n) FROM (SELECT count(*) AS n FROM lake.staging_pseudonymized.stg_welfare__cases "
                            f"GROUP BY {', '.join(QIS)})").fetchone()[0]
        levels = dict(con.execute("SELECT generalisation_level, count(*) FROM lake.curated_marts.ai_wellbeing_check "
                                  "GROUP BY ALL").fetchall())
        wrong_level = con.execute(
            "SELECT count(*) FROM lake.curated_marts.ai_wellbeing_check WHERE "
            "(generalisation_level >= 2) <> (adong_code = '1150000000') OR (generalisation_level = 3) <> (age_band = '전체')"
        ).fetchone()[0]
    assert raw_k < int(contract.custom["k_min"])  # the staged data alone would fail the gate
    assert k_result.passed and k_result.evidence["k_achieved"] >= 5
    assert l_result.passed and l_result.evidence["l_achieved"]["entitlement"] >= 2
    evidence = k_result.evidence
    assert evidence["rows_in"] == staged == evidence["rows_published"] + evidence["rows_removed"]
    assert {int(k): v for k, v in evidence["rows_per_generalisation_level"].items()} == levels
    assert wrong_level == 0
    for check in ("k_anonymity", "l_diversity", "no_direct_identifiers"):
        assert f"curated_marts/ai_wellbeing_check:{check}" in summary.checks_passed


def test_a_mart_without_the_generalisation_is_blocked(materialized):
    """The gates fail when the build's generalisation is undone (the staged 5-year bands and 행정동)."""
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        con.execute("CREATE TEMP TABLE ungeneralised AS SELECT m.* REPLACE (s.age_band AS age_band, s.adong_code AS adong_code, "
                    "s.household_type AS household_type) FROM lake.curated_marts.ai_wellbeing_check m "
                    "JOIN lake.staging_pseudonymized.stg_welfare__cases s USING (person_pseudonym)")
        result = gate(con, "ai_wellbeing_check", "ungeneralised", "k_anonymity")
    assert not result.passed and result.evidence["rows_below_k"] > 0


def test_companion_robot_longest_inactive_run_matches_the_hourly_readings(materialized):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        hours = con.execute(
            "SELECT household_pseudonym, timezone('Asia/Seoul', measured_at) AS t, device_online AND motion_events = 0 "
            "FROM lake.staging_pseudonymized.stg_welfare__iot_readings ORDER BY 1, 2").fetchall()
        mart = {(h, d): (run, alert) for h, d, run, alert in con.execute(
            "SELECT household_pseudonym, activity_date, longest_inactive_run_h, inactivity_alert "
            "FROM lake.curated_marts.companion_robot_care").fetchall()}
    expected: dict = {}
    last_inactive, run = None, 0  # (day key, hour) of the previous inactive hour
    for household, t, inactive in hours:
        key = (household, t.date())
        expected.setdefault(key, 0)
        if not inactive:
            last_inactive, run = None, 0
            continue
        follows = last_inactive is not None and last_inactive[0] == key and t - last_inactive[1] == timedelta(hours=1)
        run = run + 1 if follows else 1
        last_inactive = (key, t)
        expected[key] = max(expected[key], run)
    assert set(expected) == set(mart)
    assert all(mart[k][0] == v and mart[k][1] == (v >= 12) for k, v in expected.items())
    assert max(expected.values()) >= 3


def test_dong_statistics_withhold_small_cells_that_no_margin_gives_back(materialized):
    settings, summary = materialized
    with lake_session(settings, read_only=True) as con:
        rows = con.execute(
            "SELECT statistic, period, measure, adong_code, category, cell_kind, value, suppressed "
            "FROM lake.curated_marts.welfare_dong_statistics").fetchall()
        staged = {(s, p, m, a, c): v for s, p, m, a, c, v in con.execute(
            "SELECT statistic, period, measure, adong_code, category, value FROM lake.staging_pseudonymized.stg_welfare__dong_stats").fetchall()}
    assert {r[3] for r in rows if r[5] == "cell"} <= {a for (_, _, _, a, _) in staged}
    assert len({r[3] for r in rows}) == 21  # 20 행정동 + 강서구
    published_small = [r for r in rows if r[6] is not None and 0 < r[6] < 5]
    assert not published_small
    primary = [r for r in rows if r[5] == "cell" and 0 < staged[r[:5]] < 5]
    assert primary and all(r[7] for r in primary)
    for r in rows:  # what is published is the true count
        if r[5] == "cell" and r[6] is not None:
            assert r[6] == staged[r[:5]]
    groups: dict = {}
    for r in rows:
        groups.setdefault(r[:3], []).append({"row_key": r[3], "column_key": r[4], "withheld": r[7]})
    complementary = 0
    for cells in groups.values():
        grid = grid_from_published(cells, "1150000000", "계")
        assert recoverable_cells(grid) == []
        complementary += sum(1 for c in cells if c["withheld"])
    assert complementary > len(primary)  # complementary cells were withheld too
    assert "curated_marts/welfare_dong_statistics:small_cells_suppressed" in summary.checks_passed


def test_the_small_cell_gate_fails_when_a_complementary_cell_is_published(materialized):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        con.execute("CREATE TEMP TABLE leaky AS SELECT * FROM lake.curated_marts.welfare_dong_statistics")
        # publish one withheld cell that is not itself small: its partner in the row becomes recoverable
        con.execute("""
            UPDATE leaky SET suppressed = false, value = 99
            WHERE (statistic, period, measure, adong_code, category) IN (
                SELECT (statistic, period, measure, adong_code, category) FROM leaky
                WHERE suppressed AND cell_kind = 'cell' AND (statistic, period, measure, adong_code) IN (
                    SELECT (statistic, period, measure, adong_code) FROM leaky WHERE suppressed AND cell_kind = 'cell'
                    GROUP BY ALL HAVING count(*) = 2)
                ORDER BY ALL LIMIT 1)""")
        result = gate(con, "welfare_dong_statistics", "leaky", "small_cells_suppressed")
    assert not result.passed and result.evidence["recoverable_cells"] >= 1


@pytest.mark.parametrize("table", ["ai_wellbeing_check", "companion_robot_care", "welfare_dong_statistics"])
def test_no_direct_identifier_reaches_a_welfare_mart_or_the_analyst_db(materialized, table):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        identifiers = raw_identifiers(con)
        assert not cells_containing(string_cells(con, f"lake.curated_marts.{table}"), identifiers)
    from catalog.registry import audiences
    from governance.analyst import analyst_connection

    for audience in audiences():  # person- and household-level marts are in no analyst database at all
        analyst = analyst_connection(settings, audience)
        try:
            present = {t for (t,) in analyst.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if table in ("ai_wellbeing_check", "companion_robot_care"):
                assert table not in present, audience
            elif table in present:
                assert not cells_containing(string_cells(analyst, f"marts.{table}"), identifiers), audience
        finally:
            analyst.close()


@pytest.mark.parametrize(("pilot", "purpose"), [("ai_wellbeing_call", "AI_WELLBEING_CHECK_STATS"),
                                                ("companion_robot", "COMPANION_ROBOT_CARE_STATS")])
def test_welfare_exports_carry_the_evidence_and_no_identifier(materialized, tmp_path, pilot, purpose):
    import json

    import duckdb

    from governance.export import Requester, export_release

    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        identifiers = raw_identifiers(con)
    manifest = export_release(settings, pilot, purpose, "pilot feature refresh (test)", tmp_path, Requester("tester", "localhost"))
    reader = duckdb.connect()
    for table in manifest["tables"].values():
        assert table["rows"] > 0 and all(g["passed"] for g in table["privacy_gates"])
        assert not cells_containing(string_cells(reader, f"read_parquet('{tmp_path / table['file']}')"), identifiers)
    exported = "".join(p.read_bytes().decode("latin-1") for p in tmp_path.iterdir())
    assert not any(i in exported for i in identifiers if len(i) > 6)
    if pilot == "ai_wellbeing_call":  # the k and l the release gates measured on the written file
        gates = {g["gate"]: g["evidence"] for g in manifest["tables"]["ai_wellbeing_check"]["privacy_gates"]}
        assert gates["k_anonymity"]["k_achieved"] >= 5 and gates["l_diversity"]["l_achieved"]["entitlement"] >= 2
    with lake_session(settings, read_only=True) as con:
        recorded = con.execute("SELECT count(*) FROM lake.audit.processing_records WHERE purpose_code = ?", [purpose]).fetchone()[0]
    assert recorded >= 1 and json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["purpose"] == purpose
