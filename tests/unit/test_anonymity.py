"""k-anonymity, l-diversity and small-cell suppression against hand-checked fixtures."""

import random

import duckdb
import pytest

from quality.anonymity import k_anonymity, l_diversity, recoverable_cells, rows_below_k
from transforms.suppression import suppress

PEOPLE = [  # age band, 행정동, household type, sensitive: entitlement
    ("65-69", "화곡1동", "독거", "생계"),
    ("65-69", "화곡1동", "독거", "의료"),
    ("65-69", "화곡1동", "독거", "생계"),
    ("70-74", "화곡1동", "독거", "주거"),
    ("70-74", "화곡1동", "독거", "주거"),
    ("85+", "공항동", "부부", "생계"),
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE people (age_band VARCHAR, adong VARCHAR, household VARCHAR, entitlement VARCHAR)")
    con.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", PEOPLE)
    return con


def test_k_and_l_match_the_hand_count(con):
    qi = ["age_band", "adong", "household"]
    # classes: (65-69,화곡1동,독거)=3 {생계,의료}, (70-74,화곡1동,독거)=2 {주거}, (85+,공항동,부부)=1 {생계}
    assert k_anonymity(con, "people", qi) == 1
    assert l_diversity(con, "people", qi, "entitlement") == 1
    assert rows_below_k(con, "people", qi, k=3) == 3
    # generalising the age away merges the 화곡1동 classes: 5 rows, 3 entitlements
    assert k_anonymity(con, "people WHERE adong = '화곡1동'", ["adong", "household"]) == 5
    assert l_diversity(con, "people WHERE adong = '화곡1동'", ["adong", "household"], "entitlement") == 3


def test_empty_relation_has_k_zero(con):
    assert k_anonymity(con, "people WHERE false", ["adong"]) == 0


def test_primary_and_complementary_suppression_hand_example():
    counts = [[2, 8, 10],
              [9, 7, 9],
              [6, 11, 6]]
    result = suppress(counts, threshold=5)
    # Worked by hand, lines in order rows then columns, smallest positive complement first:
    # primary (0,0)=2; pass 1: row 0 -> (0,1)=8, column 0 -> (2,0)=6, column 1 -> (1,1)=7;
    # pass 2: row 1 -> (1,0)=9, row 2 -> (2,2)=6, column 2 -> (1,2)=9; pass 3: nothing left alone.
    assert {(r, c) for r in range(3) for c in range(3) if result.withheld[r][c]} == \
        {(0, 0), (0, 1), (2, 0), (1, 1), (1, 0), (2, 2), (1, 2)}
    assert (result.primary, result.complementary) == (1, 6)
    assert recoverable_cells(result) == []


def test_no_suppression_when_no_small_cells():
    result = suppress([[5, 6], [7, 8]], threshold=5)
    assert result.primary == result.complementary == 0 and recoverable_cells(result) == []


def test_a_line_with_only_zeros_left_withholds_its_total():
    result = suppress([[3, 0], [10, 12]], threshold=5)
    # Row 0 has no positive cell to pair with 3, so its total goes; column 1 likewise for (1,1).
    assert result.withheld == [[True, False], [True, True]]
    assert (result.withheld_row_totals, result.withheld_col_totals) == ({0}, {1})
    assert recoverable_cells(result) == []


@pytest.mark.parametrize("seed", range(30))
def test_no_withheld_cell_is_ever_recoverable_from_margins(seed):
    rng = random.Random(seed)
    counts = [[rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 40]) for _ in range(rng.randint(2, 6))]]
    counts += [[rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 40]) for _ in counts[0]] for _ in range(rng.randint(1, 5))]
    result = suppress(counts, threshold=5)
    assert recoverable_cells(result) == []
    for r, row in enumerate(counts):
        for c, n in enumerate(row):
            if 0 < n < 5:
                assert result.withheld[r][c]
