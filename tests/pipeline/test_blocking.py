"""A run whose data breaks the privacy gates: small cells are withheld, and a failed gate blocks the release."""

import pytest

from lake.session import lake_session
from orchestration.runner import run_main

from conftest import copy_lake, sample_inbox_with_centre

HEADER = "어린이집코드,아동ID,반연령,급식일자,식사구분,메뉴명,알레르기번호,배식량(g),잔반량(g),열량(kcal),단백질(g)"
TINY_CENTRE = "11500999999"


@pytest.fixture(scope="module")
def bad_run(materialized, tmp_path_factory):
    """The shared lake (copied), then a run on what two bad files reach: a centre whose name carries a phone
    number (free text), and which feeds three children only."""
    root = tmp_path_factory.mktemp("blocking")
    settings = copy_lake(materialized[0], root / "lake")
    inbox = sample_inbox_with_centre(root / "inbox", TINY_CENTRE, "햇살 010-1234-5678 어린이집", "2026-01-01")
    rows = [f"{TINY_CENTRE},CH9999999{i},2,2026-01-05,점심,밥/국,5.6,200.0,20.0,300.0,10.0" for i in range(3)]
    (inbox / "childcare_meals" / "tiny.csv").write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp949"))
    mp = pytest.MonkeyPatch()
    mp.setenv("LAKEHOUSE_INBOX", str(inbox))
    try:
        yield settings, run_main(settings)
    finally:
        mp.undo()


def test_a_cell_of_three_children_is_withheld(bad_run):
    settings, _ = bad_run
    with lake_session(settings, read_only=True) as con:
        rows = con.execute("SELECT children_served, mean_leftover_rate, kcal_per_child_meal, suppressed "
                           "FROM lake.curated_marts.daycare_meal_nutrition WHERE center_code = ?", [TINY_CENTRE]).fetchall()
        exposures = con.execute("SELECT exposed_children, suppressed FROM lake.curated_marts.daycare_allergen_exposure "
                                "WHERE center_code = ?", [TINY_CENTRE]).fetchall()
    assert rows == [(None, None, None, True)]
    assert exposures and all(e == (None, True) for e in exposures)


def test_a_failed_privacy_gate_blocks_release_and_analyst_db(bad_run):
    _, summary = bad_run
    assert not summary.success
    assert "curated_marts/daycare_meal_nutrition:no_direct_identifiers" in summary.checks_failed
    assert "curated_marts/daycare_meal_nutrition" in summary.assets_materialized
    assert "release/daycare_food_scanner" not in summary.assets_materialized
    assert "analyst/analyst_db" not in summary.assets_materialized
