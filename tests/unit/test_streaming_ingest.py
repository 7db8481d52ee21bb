"""Ingest in batches: exact accounting at every batch size, a file that fails half-way loads nothing,
a KOSIS cube reports its records and its cells, `--period` for a file that states none."""

import json
import shutil
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from cli import app
from lake.session import lake_session
from quality.batch_rules import seeded_sample, violations
from catalog.contracts import get_contract
from transforms import records
from lake.settings import Limits
from transforms.ingest import IngestFailed, check_rows, ingest_file

from conftest import SAMPLES, check_file_rows

HEADER = "어린이집코드,아동ID,반연령,급식일자,식사구분,메뉴명,알레르기번호,배식량(g),잔반량(g),열량(kcal),단백질(g)"


def meal(child: int, slot: str = "점심", served: str = "250.0") -> str:
    return f"11500000001,CH{child:08d},3,2026-01-05,{slot},밥,5.6,{served},30.0,380.0,14.0"


# 20 rows: bad rows at 7 and 8 (a boundary for batch sizes 7 and 8), a duplicate of row 1 at 14, bad at 20.
ROWS = [meal(i) for i in range(1, 21)]
ROWS[6], ROWS[7] = meal(7, slot="야식"), meal(8, served="abc")
ROWS[13] = meal(1)
ROWS[19] = meal(20, served="9999")


@pytest.fixture
def meals_file(tmp_path):
    path = tmp_path / "meals.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("batch_rows", [1, 2, 3, 6, 7, 8, 13, 14, 19, 20, 1000])
def test_accounting_is_exact_at_every_batch_size(meals_file, tmp_path, batch_rows, monkeypatch):
    monkeypatch.setattr(records, "READ_ROWS", 5)  # the parser's own chunks differ from the batches too
    rows, checked, _ = check_file_rows("childcare_meals", meals_file, tmp_path, batch_rows=batch_rows)
    assert rows == 20 == checked.loaded.height + checked.quarantined.height
    assert dict(zip(checked.quarantined["_row_number"], checked.quarantined["reason_code"])) == {
        7: "unknown_code:meal_slot", 8: "bad_value:served_g", 14: "duplicate_key", 20: "out_of_range:served_g"}
    assert checked.loaded["_row_number"].to_list() == [n for n in range(1, 21) if n not in (7, 8, 14, 20)]
    assert json.loads(checked.quarantined.filter(checked.quarantined["_row_number"] == 14)["record"][0])["child_id"] \
        == "CH00000001"


@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_the_batches_are_the_loaded_rows_with_or_without_a_repeated_key(tmp_path, batch_rows):
    # the loaded rows are never written a second time before the lake reads them: a repeated key's later
    # rows are left out by their row numbers
    rows = [meal(i) for i in range(1, 21)]
    rows[6] = meal(7, slot="야식")
    path = tmp_path / "meals.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    limits = replace(Limits(), max_batch_rows=batch_rows)
    _, checked = check_rows("childcare_meals", path, tmp_path / "spool", limits)
    assert not checked.keys_repeated and not (checked.spool / "loaded.parquet").exists()
    assert checked.loaded_frame()["_row_number"].to_list() == [n for n in range(1, 21) if n != 7]
    assert checked.rows == 20 == checked.loaded + checked.quarantined and checked.reasons == {"unknown_code:meal_slot": 1}
    path.write_text("\n".join([HEADER, *rows, meal(1)]) + "\n", encoding="utf-8")
    _, again = check_rows("childcare_meals", path, tmp_path / "spool-again", limits)
    assert again.keys_repeated and again.loaded == 19 and again.reasons["duplicate_key"] == 1
    assert again.loaded_frame()["_row_number"].to_list() == [n for n in range(1, 21) if n != 7]
    spooled = sorted(p.name for p in again.spool.glob("*.parquet") if not p.name.startswith("batch-"))
    assert spooled == ["later_rows.parquet", "quarantined.parquet"]


def test_a_file_that_fails_half_way_loads_nothing_and_stays_landed_as_failed(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(records, "READ_ROWS", 5)
    settings = replace(settings, limits=replace(settings.limits, max_batch_rows=5))
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([HEADER, *ROWS, '11500000001,"CH000000', "x"]) + "\n", encoding="utf-8")
    with pytest.raises(IngestFailed, match="cut.csv: not a readable CSV"):
        ingest_file(settings, "childcare_meals", path, "t1")
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake.raw_identified.childcare_meals").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM lake.quarantine.childcare_meals").fetchone()[0] == 0
        status, landed = con.execute("SELECT status, landing_path FROM lake.landing.files").fetchone()
    assert status == "failed" and landed


def test_batched_ingest_loads_what_one_batch_loads(settings, meals_file):
    small = replace(settings, limits=replace(settings.limits, max_batch_rows=3))
    result = ingest_file(small, "childcare_meals", meals_file, "t1")
    assert (result.rows, result.records, result.loaded, result.quarantined) == (20, 20, 16, 4)
    with lake_session(settings, read_only=True) as con:
        loaded = con.execute("SELECT _row_number FROM lake.raw_identified.childcare_meals ORDER BY 1").fetchall()
        assert [r[0] for r in loaded] == [n for n in range(1, 21) if n not in (7, 8, 14, 20)]


def test_a_kosis_cube_reports_its_records_and_its_cells(settings):
    path = SAMPLES / "welfare_disability_stats" / "disability_type_dong_wide_2024_SYNTHETIC.csv"
    result = ingest_file(settings, "welfare_disability_stats", path, "t1")
    assert result.records == 42  # 44 lines: two header rows, then one record per area
    assert result.rows == 42 * 16  # a cell per record and 장애유형 (합계 and 15 types)
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT records, rows FROM lake.landing.files").fetchone() == (42, 672)


@pytest.mark.parametrize("batch_rows", [7, 16, 17, 1000])
def test_a_kosis_cube_counts_its_records_at_every_batch_size(tmp_path, batch_rows):
    # a record's 16 cells share its row number, also when a batch boundary falls between them
    path = SAMPLES / "welfare_disability_stats" / "disability_type_dong_wide_2024_SYNTHETIC.csv"
    _, checked = check_rows("welfare_disability_stats", path, tmp_path, replace(Limits(), max_batch_rows=batch_rows))
    assert (checked.records, checked.rows) == (42, 42 * 16)


def test_a_store_file_without_a_month_takes_period(settings, tmp_path):
    renamed = tmp_path / "stores_download.csv"  # the user renamed it: no month left in the name
    shutil.copy(SAMPLES / "stores" / "소상공인시장진흥공단_상가업소정보_서울_202012_SYNTHETIC.csv", renamed)
    with pytest.raises(IngestFailed, match=r"lakehouse ingest stores FILE --period YYYYMM"):
        ingest_file(settings, "stores", renamed, "t1")
    result = CliRunner().invoke(app, ["ingest", "stores", str(renamed), "--period", "202012", "--format", "json"],
                                env=settings.env())
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "loaded"
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT DISTINCT reference_month FROM lake.raw_identified.stores").fetchall() == [("202012",)]
        assert con.execute("SELECT period, status FROM lake.landing.files").fetchall() == [("202012", "loaded")]


def test_period_is_refused_where_it_does_not_apply_or_is_malformed(settings, meals_file):
    with pytest.raises(IngestFailed, match="childcare_meals takes no --period"):
        ingest_file(settings, "childcare_meals", meals_file, "t1", period="202606")
    with pytest.raises(IngestFailed, match="expected YYYYMM"):
        ingest_file(settings, "stores", meals_file, "t1", period="2026-06")


def test_a_period_that_contradicts_the_file_is_refused(settings):
    path = SAMPLES / "stores" / "소상공인시장진흥공단_상가업소정보_서울_202012_SYNTHETIC.csv"
    with pytest.raises(IngestFailed, match="the file states 202012, --period says 202101"):
        ingest_file(settings, "stores", path, "t1", period="202101")


def test_contract_rules_over_every_landed_row_in_sql(tmp_path):
    import duckdb

    table = get_contract("childcare_meals").table
    con = duckdb.connect()
    con.execute("CREATE TABLE landed AS SELECT * FROM (VALUES "
                "('a', '11500000001', 'CH00000001', 3, DATE '2026-01-05', '점심', 250.0, 30.0), "
                "('a', '11500000001', 'CH00000001', 3, DATE '2026-01-05', '점심', 250.0, 30.0), "  # key twice in a file
                "('b', '11500000001', 'CH00000001', 3, DATE '2026-01-05', '점심', 250.0, 30.0), "  # another file: fine
                "('b', '1150000000X', 'CH00000002', 9, DATE '2026-01-05', '야식', 10.0, 30.0)) "
                "t(_landing_sha256, center_code, child_id, class_age, meal_date, meal_slot, served_g, leftover_g)")
    for column in table.columns:
        con.execute(f'ALTER TABLE landed ADD COLUMN IF NOT EXISTS "{column.name}" {column.physical_type}')
    rows, broken = violations(con, "landed", table)
    assert rows == 4
    assert broken == {"pattern:center_code": 1, "maximum:class_age": 1, "in_set:meal_slot": 1,
                      "rule:leftover_not_above_served": 1, "unique_key_per_file": 1}


def test_the_key_rule_over_a_large_batch_spills_instead_of_running_out_of_memory(tmp_path):
    """4.5 million distinct keys (a day of meal scans at SF 1) read at a 128MB limit: the key rule's grouping
    spills; a count(DISTINCT ...) beside the other rules ran out of memory."""
    import duckdb

    table = get_contract("childcare_meals").table
    con = duckdb.connect(config={"threads": 2})
    con.execute("CREATE TABLE landed AS SELECT repeat('a', 64) AS _landing_sha256, '11500000001' AS center_code, "
                "'CH' || lpad((i // 2)::VARCHAR, 8, '0') AS child_id, 3 AS class_age, "
                "DATE '2026-01-05' + (i % 2)::INTEGER AS meal_date, '점심' AS meal_slot, 250.0 AS served_g, "
                "30.0 AS leftover_g FROM range(4500000) t(i) UNION ALL SELECT repeat('a', 64), '11500000001', "
                "'CH00000007', 3, DATE '2026-01-06', '점심', 250.0, 30.0")  # one key twice
    for column in table.columns:
        con.execute(f'ALTER TABLE landed ADD COLUMN IF NOT EXISTS "{column.name}" {column.physical_type}')
    con.execute(f"COPY landed TO '{tmp_path / 'landed.parquet'}'")
    con.execute("DROP TABLE landed")
    con.execute(f"SET memory_limit = '128MB'; SET temp_directory = '{tmp_path / 'spill'}'")
    relation = f"read_parquet('{tmp_path / 'landed.parquet'}')"
    assert violations(con, relation, table) == (4500001, {"unique_key_per_file": 1})


def test_gx_sees_a_bounded_sample_the_same_on_every_run():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE landed AS SELECT 'f' || (i % 3) AS _landing_sha256, i AS _row_number, i * 2 AS v "
                "FROM range(50000) t(i)")
    first = seeded_sample(con, "landed", ["_landing_sha256"], 1000)
    assert len(first) == 1000 and list(first.columns) == ["_row_number", "v"]
    assert first.equals(seeded_sample(con, "landed", ["_landing_sha256"], 1000))
    assert first["_row_number"].max() > 40000  # spread over the batch, not its first rows
    assert len(seeded_sample(con, "landed", ["_landing_sha256"], 10**6)) == 50000


def test_gx_sees_each_cell_of_a_kosis_record_once():
    """A KOSIS cube's record becomes one row per cell, all on the record's line: the sample must not repeat them."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE landed AS SELECT 'f' AS _landing_sha256, i // 4 AS _row_number, i AS cell "
                "FROM range(400) t(i)")
    sample = seeded_sample(con, "landed", ["_landing_sha256"], 1000)
    assert len(sample) == 400 and sample["cell"].is_unique
