"""Commerce marts on the committed samples: the SCD2 store history and the opened/closed counts recomputed by
hand from the raw snapshots, a reloaded quarter changing nothing, QoQ/YoY growth recomputed from the raw
sales, competition checked with pyproj, the small-cell gate failing on an un-suppressed copy, crosswalk
coverage equal to transforms/commerce/crosswalk.py, and no live formula, RRN or phone number in any
commerce staging, mart, release, analyst or export table.

The module reads the session-wide `materialized` lake (the main job builds every commerce asset: ingest,
staging, marts, release, analyst DB). The reload test reloads a quarter and rebuilds the commerce models, so
it works on a private copy of that lake (`lake_copy`) and disturbs no other test.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from pyproj import Transformer

from catalog.contracts import get_contract
from governance.analyst import analyst_connection
from lake.settings import DBT_PROJECT_DIR
from governance.export import export_release
from transforms.ingest import ingest_file
from lake.session import lake_session
from quality.privacy_gates import GENERIC_PATTERNS, release_gates
from transforms.commerce.crosswalk import crosswalk, sales_coverage, store_coverage

from conftest import SAMPLES, cells_containing, string_cells

SELECT = "category_crosswalk staging.commerce marts.commerce"
STAGING = ("stg_commerce__areas", "stg_commerce__stores", "stg_commerce__sales", "stg_commerce__store_stats",
           "stg_commerce__floating_population")
MARTS = ("commerce_store_history", "commerce_store_changes", "commerce_insight", "commerce_crosswalk_coverage")
RELEASE = "commerce_district_analysis"
PURPOSE = "COMMERCE_AREA_ANALYSIS"
TRACKED = ("store_name", "branch_name", "category_large_code", "category_middle_code", "category_small_code",
           "road_address", "adong_code")
IDENTIFIER_PATTERNS = {k: v for k, v in GENERIC_PATTERNS.items() if k != "korean_name_in_context"}
LIVE_FORMULA = re.compile(r"(^|[\r\n])[\t ]*[=+\-@]")


def dbt_build(settings, target: Path) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "build", "--select", SELECT, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(target / "logs")],
        env={**os.environ, **settings.env()}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]


@pytest.fixture(scope="module")
def lake(materialized):
    """The shared main-job lake (read-only here)."""
    settings, _ = materialized
    return settings


def rows(settings, sql: str, params=None) -> list[tuple]:
    with lake_session(settings, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# --- the store history, by hand -----------------------------------------------------------------------

def raw_snapshots(settings) -> dict[str, dict[str, dict]]:
    """month → store → tracked attributes (+ where it stands), straight from the raw zone. A month delivered
    twice (the ZIP and the API page) may disagree (a name dirty in one only): the row staging keeps is the
    first in value order (NULLs last), so the choice does not depend on which file came first."""
    columns = ("store_id", "reference_month", *TRACKED, "longitude", "latitude")
    order = ("store_name", "branch_name", "category_small_code", "adong_code", "road_address", "longitude", "latitude")
    found = rows(settings, f"SELECT DISTINCT {', '.join(columns)} FROM lake.raw_identified.stores "
                           "WHERE sigungu_code = '11500' AND category_scheme = '2023'")
    candidates: dict[tuple, list[dict]] = defaultdict(list)
    for row in found:
        record = dict(zip(columns, row))
        candidates[(record.pop("store_id"), record.pop("reference_month"))].append(record)
    snapshots: dict[str, dict[str, dict]] = defaultdict(dict)
    for (store, month), records in candidates.items():
        snapshots[month][store] = min(records, key=lambda r: [(r[c] is None, r[c] or 0) for c in order])
    assert any(len(r) > 1 for r in candidates.values())  # 202606 came twice, with differences
    return dict(sorted(snapshots.items()))


def hand_history(snapshots) -> set[tuple]:
    """(store, valid_from, valid_to, change_type) per version, walking the snapshots in order."""
    months = list(snapshots)
    versions, open_version = set(), {}
    for i, month in enumerate(months):
        previous = snapshots[months[i - 1]] if i else {}
        for store, record in snapshots[month].items():
            attrs = tuple(record[c] for c in TRACKED)
            if store in previous and tuple(previous[store][c] for c in TRACKED) == attrs:
                continue
            if store in open_version:
                versions.add((*open_version.pop(store), month))
            kind = "initial" if i == 0 else "changed" if store in previous else \
                "reopened" if any(store in snapshots[m] for m in months[:i]) else "opened"
            open_version[store] = (store, month, kind)
        for store in set(previous) - set(snapshots[month]):
            versions.add((*open_version.pop(store), month))
    versions |= {(*v, None) for v in open_version.values()}
    return {(s, f, t, k) for s, f, k, t in versions}


def test_store_history_is_the_hand_built_scd2_of_the_three_snapshots(lake):
    snapshots = raw_snapshots(lake)
    assert list(snapshots) == ["202512", "202603", "202606"]
    expected = hand_history(snapshots)
    mart = rows(lake, "SELECT store_id, valid_from, valid_to, change_type FROM lake.curated_marts.commerce_store_history")
    assert len(mart) == len(set(mart))
    assert set(mart) == expected
    kinds = {k for *_, k in expected}
    assert kinds == {"initial", "opened", "reopened", "changed"}  # the samples carry every kind of churn
    closed = {s for s, f, t, k in expected if t} - {s for s, f, t, k in expected if t is None}
    assert closed  # and closures
    # versions of one store tile time without gaps or overlaps, and only the last is current
    checks = rows(lake, """
        SELECT count(*) FILTER (WHERE valid_to IS NOT NULL AND valid_to <= valid_from),
               count(*) FILTER (WHERE is_current <> (valid_to IS NULL)),
               (SELECT count(*) FROM (SELECT store_id FROM lake.curated_marts.commerce_store_history
                                      WHERE is_current GROUP BY store_id HAVING count(*) > 1))
        FROM lake.curated_marts.commerce_store_history""")[0]
    assert checks == (0, 0, 0)


def test_changed_versions_name_what_changed(lake):
    snapshots = raw_snapshots(lake)
    months = list(snapshots)
    expected = set()
    for previous, month in zip(months, months[1:]):
        for store, record in snapshots[month].items():
            before = snapshots[previous].get(store)
            if before and before != {**before, **{c: record[c] for c in TRACKED}}:
                expected.add((store, month, record["store_name"] != before["store_name"],
                              record["category_small_code"] != before["category_small_code"]))
    mart = set(rows(lake, "SELECT store_id, valid_from, name_changed, category_changed "
                          "FROM lake.curated_marts.commerce_store_history WHERE change_type = 'changed'"))
    assert mart == expected
    assert any(e[2] for e in expected) and any(e[3] for e in expected)


def hand_changes(settings) -> dict[tuple, tuple]:
    """(level, code, month) → (stores, opened, closed, category_changed), from the raw snapshots. The 상권 of a
    store is the nearest 상권 point within 500 m, taken from staging (checked against pyproj separately)."""
    snapshots = raw_snapshots(settings)
    area_of = {(s, m): a for s, m, a in rows(settings, "SELECT store_id, reference_month, area_code "
                                                       "FROM lake.staging_pseudonymized.stg_commerce__stores")}
    months = list(snapshots)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(store, month, record, slot, where_month):
        for level, code in (("행정동", record["adong_code"]), ("상권", area_of[(store, where_month)])):
            if code is not None:
                counts[(level, code, month)][slot] += 1

    for previous, month in zip(months, months[1:]):
        before, now = snapshots[previous], snapshots[month]
        for store, record in now.items():
            add(store, month, record, 0, month)
            if store not in before:
                add(store, month, record, 1, month)
            elif before[store]["category_small_code"] != record["category_small_code"]:
                add(store, month, record, 3, month)
        for store in set(before) - set(now):
            add(store, month, before[store], 2, previous)
    return {k: tuple(v) for k, v in counts.items()}


def test_opened_closed_and_category_changes_match_a_hand_count(lake):
    expected = hand_changes(lake)
    mart = {(lvl, code, month): (stores, opened, closed, changed, suppressed) for lvl, code, month, stores, opened, closed, changed, suppressed
            in rows(lake, "SELECT geography_level, geography_code, reference_month, stores, opened, closed, "
                          "category_changed, suppressed FROM lake.curated_marts.commerce_store_changes")}
    assert set(mart) == set(expected)
    published = [k for k, v in mart.items() if not v[4]]
    assert published and any(v[4] for v in mart.values())
    for key in published:
        assert mart[key][:4] == expected[key], key
    for key, value in mart.items():
        small = any(0 < n < 3 for n in expected[key])
        assert value[4] == small, key
        if value[4]:
            assert value[:4] == (None, None, None, None)
    # the samples' churn is small, so openings and closures are mostly the withheld 1s and 2s
    assert sum(v[1] for v in expected.values()) > 0 and sum(v[2] for v in expected.values()) > 0
    assert sum(v[3] for v in expected.values()) > 0


def test_history_counts_in_the_insight_agree_with_the_history(lake):
    """Per 상권 × service: stores present in the snapshot, via the crosswalk (소분류 first, else 중분류)."""
    xw = crosswalk()
    by_code = defaultdict(set)
    for code, service in xw.select("store_category_code", "service_code").iter_rows():
        by_code[code].add(service)
    stores = rows(lake, "SELECT quarter, area_code, category_small_code, category_middle_code "
                        "FROM lake.staging_pseudonymized.stg_commerce__stores WHERE area_code IS NOT NULL")
    expected = defaultdict(int)
    for quarter, area, small, middle in stores:
        for service in by_code.get(small) or by_code.get(middle) or ():
            expected[(quarter, area, service)] += 1
    mart = rows(lake, "SELECT quarter, area_code, service_code, history_store_count FROM lake.curated_marts.commerce_insight "
                      "WHERE NOT suppressed")
    assert len(mart) > 20
    for quarter, area, service, count in mart:
        assert count == expected.get((quarter, area, service), 0), (quarter, area, service)


# --- Seoul's numbers --------------------------------------------------------------------------------

def previous_quarter(quarter: str, years: int = 0) -> str:
    year, q = int(quarter[:4]), int(quarter[4])
    if years:
        return f"{year - years}{q}"
    return f"{year - 1}4" if q == 1 else f"{year}{q - 1}"


def test_qoq_and_yoy_growth_are_recomputed_from_the_raw_sales(lake):
    raw = {}
    for quarter, area, service, amount, count in rows(
            lake, "SELECT DISTINCT quarter, area_code, service_code, sales_amount, sales_count FROM lake.raw_identified.commerce_sales"):
        raw[(quarter, area, service)] = (amount, count)
    mart = rows(lake, "SELECT quarter, area_code, service_code, sales_amount, sales_amount_qoq_growth, "
                      "sales_count_qoq_growth, sales_amount_yoy_growth FROM lake.curated_marts.commerce_insight")
    checked = 0
    for quarter, area, service, amount, qoq, qoq_count, yoy in mart:
        if amount is None:
            continue
        assert amount == raw[(quarter, area, service)][0]
        before = raw.get((previous_quarter(quarter), area, service))
        if before and before[0]:
            assert qoq == pytest.approx(amount / before[0] - 1)
            assert qoq_count == pytest.approx(raw[(quarter, area, service)][1] / before[1] - 1)
            checked += 1
        else:
            assert qoq is None
        assert yoy is None  # the samples hold three quarters: no year-ago quarter
    assert checked > 100


def test_profiles_and_seoul_store_stats_pass_through(lake):
    bad = rows(lake, """
        SELECT count(*) FILTER (WHERE abs(weekday_amount_share + weekend_amount_share - 1) > 1e-9),
               count(*) FILTER (WHERE abs(male_amount_share + female_amount_share - 1) > 1e-9),
               count(*) FILTER (WHERE abs(tb_00_06_amount_share + tb_06_11_amount_share + tb_11_14_amount_share
                                          + tb_14_17_amount_share + tb_17_21_amount_share + tb_21_24_amount_share - 1) > 1e-9),
               count(*) FILTER (WHERE seoul_store_count IS NOT NULL AND seoul_franchise_share IS DISTINCT FROM
                                      seoul_franchise_count / nullif(seoul_store_count, 0))
        FROM lake.curated_marts.commerce_insight WHERE sales_amount > 0""")[0]
    assert bad == (0, 0, 0, 0)
    stats = rows(lake, """
        SELECT count(*) FROM lake.curated_marts.commerce_insight AS i
        JOIN lake.raw_identified.commerce_store_stats AS s USING (quarter, area_code, service_code)
        WHERE i.seoul_open_rate IS DISTINCT FROM s.open_rate OR i.seoul_close_rate IS DISTINCT FROM s.close_rate""")[0][0]
    assert stats == 0


def test_area_points_and_competition_agree_with_pyproj(lake):
    to_wgs84 = Transformer.from_crs("EPSG:5181", "EPSG:4326", always_xy=True)
    to_5186 = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True)
    areas = rows(lake, "SELECT area_code, x_5181, y_5181, longitude, latitude, x_5186, y_5186 "
                       "FROM lake.staging_pseudonymized.stg_commerce__areas")
    centre = {}
    for code, x, y, lon, lat, x6, y6 in areas:
        assert (lon, lat) == pytest.approx(to_wgs84.transform(x, y), abs=1e-8)
        assert 126.7 < lon < 126.9 and 37.5 < lat < 37.6  # Gangseo, not (lat, lon)
        assert (x6, y6) == pytest.approx(to_5186.transform(lon, lat), abs=1e-3)
        centre[code] = (x6, y6)
    by_code = defaultdict(set)
    for code, service in crosswalk().select("store_category_code", "service_code").iter_rows():
        by_code[code].add(service)
    stores = rows(lake, "SELECT quarter, longitude, latitude, category_small_code, category_middle_code "
                        "FROM lake.staging_pseudonymized.stg_commerce__stores")
    expected = defaultdict(int)
    for quarter, lon, lat, small, middle in stores:
        x, y = to_5186.transform(lon, lat)
        for area, (ax, ay) in centre.items():
            if math.hypot(x - ax, y - ay) <= 500:
                for service in by_code.get(small) or by_code.get(middle) or ():
                    expected[(quarter, area, service)] += 1
    mart = rows(lake, "SELECT quarter, area_code, service_code, competitors_within_500m FROM lake.curated_marts.commerce_insight")
    assert sum(c for *_, c in mart) > 100
    for quarter, area, service, count in mart:
        assert count == expected.get((quarter, area, service), 0), (quarter, area, service)


def test_crosswalk_coverage_mart_equals_the_python_report(lake):
    mart = {(d, q): (n, mapped, exact, narrower, broader, partial) for d, q, n, mapped, exact, narrower, broader, partial in rows(
        lake, "SELECT dataset, quarter, row_count, mapped_rows, exact_rows, narrower_rows, broader_rows, partial_rows "
              "FROM lake.curated_marts.commerce_crosswalk_coverage")}
    with lake_session(lake, read_only=True) as con:
        stores = con.sql("SELECT *, '2023' AS category_scheme FROM lake.staging_pseudonymized.stg_commerce__stores").pl()
        sales = con.sql("SELECT * FROM lake.staging_pseudonymized.stg_commerce__sales").pl()
    for dataset, frame, report in (("stores", stores, store_coverage), ("commerce_sales", sales, sales_coverage)):
        for (quarter,), part in frame.group_by(["quarter"]):
            coverage = report(part)
            relations = tuple(coverage.by_relation.get(r, 0) for r in ("exact", "narrower", "broader", "partial"))
            assert mart[(dataset, quarter)] == (coverage.rows, coverage.mapped, *relations)
            assert 0 < coverage.share < 1  # some rows map, some do not: the report is worth reading


# --- privacy gates, identifiers, formulas -------------------------------------------------------------

def gate(con, contract_id: str, relation: str, name: str):
    contract = get_contract(contract_id)
    return next(r for r in release_gates(con, relation, contract, contract.table) if r.gate == name)


def test_small_cell_gate_passes_the_marts_and_fails_an_unsuppressed_copy(lake):
    expected = hand_changes(lake)
    with lake_session(lake, read_only=True) as con:
        for mart in ("commerce_store_changes", "commerce_insight"):
            result = gate(con, mart, f"lake.curated_marts.{mart}", "small_cells_suppressed")
            assert result.passed and result.evidence["suppressed_cells"] > 0, result.findings
        con.execute("CREATE TEMP TABLE unsuppressed AS SELECT * FROM lake.curated_marts.commerce_store_changes")
        for (level, code, month), (stores, opened, closed, changed) in expected.items():
            con.execute("UPDATE unsuppressed SET stores = ?, opened = ?, closed = ?, category_changed = ?, suppressed = false "
                        "WHERE geography_level = ? AND geography_code = ? AND reference_month = ?",
                        [stores, opened, closed, changed, level, code, month])
        broken = gate(con, "commerce_store_changes", "unsuppressed", "small_cells_suppressed")
        con.execute("CREATE TEMP TABLE leaky AS SELECT * REPLACE (CASE WHEN suppressed THEN 1 END AS opened) "
                    "FROM lake.curated_marts.commerce_store_changes")
        leaky = gate(con, "commerce_store_changes", "leaky", "small_cells_suppressed")
    assert not broken.passed and any("below 3" in f for f in broken.findings)
    assert not leaky.passed and any("still publish a measure" in f for f in leaky.findings)


def sample_identifiers() -> set[str]:
    """The RRNs and phone numbers typed into 상호명 in the committed store files (before the loader masks them)."""
    found = set()
    for path in sorted((SAMPLES / "stores").glob("*.zip")):
        with zipfile.ZipFile(path, metadata_encoding="cp949") as archive:
            for member in archive.namelist():
                names = pl.read_csv(io.BytesIO(archive.read(member)), infer_schema=False)["상호명"].drop_nulls()
                for pattern in IDENTIFIER_PATTERNS.values():
                    found |= {m.group(0) for n in names for m in re.finditer(pattern, n)}
    return found


def assert_clean(cells: set[str], identifiers: set[str], where: str) -> None:
    assert not cells_containing(cells, identifiers), where
    assert not [c for c in cells if any(re.search(p, c) for p in IDENTIFIER_PATTERNS.values())], where
    assert not [c for c in cells if LIVE_FORMULA.search(c)], where


def test_no_live_formula_rrn_or_phone_in_staging_marts_release_analyst_or_export(lake, tmp_path):
    identifiers = sample_identifiers()
    assert len(identifiers) >= 4  # an RRN and a phone number in each quarter's file
    formulas = rows(lake, "SELECT count(*) FROM lake.raw_identified.stores WHERE name_formula_neutralised")[0][0]
    assert formulas > 0  # the payloads reached the lake, neutralised
    with lake_session(lake, read_only=True) as con:
        for table in [f"staging_pseudonymized.{t}" for t in STAGING] + [f"curated_marts.{t}" for t in MARTS] + \
                     [f"release.{t}" for t in ("commerce_insight", "commerce_store_changes")]:
            assert_clean(string_cells(con, f"lake.{table}"), identifiers, table)
        names = {n for (n,) in con.execute("SELECT store_name FROM lake.curated_marts.commerce_store_history").fetchall()}
    assert any(n.startswith("'=") for n in names)  # the HYPERLINK payload, inert
    with analyst_connection(lake, "commerce") as con:
        for table in MARTS:
            assert_clean(string_cells(con, table), identifiers, f"analyst {table}")
    manifest = export_release(lake, RELEASE, PURPOSE, "상권 분기 리뷰 (test)", tmp_path / "export", on=date(2026, 7, 1))
    assert set(manifest["tables"]) == {"commerce_insight", "commerce_store_changes"}
    for name, table in manifest["tables"].items():
        assert table["rows"] > 0 and all(g["passed"] for g in table["privacy_gates"])
        parquet = tmp_path / "export" / table["file"]
        with lake_session(lake, read_only=True) as con:
            assert_clean(string_cells(con, f"read_parquet('{parquet}')"), identifiers, f"export {name}")
    assert json.loads((tmp_path / "export" / "manifest.json").read_text(encoding="utf-8"))["agreement"]["id"] == "DUA-2026-CM-001"


# --- reload (it adds a re-delivered quarter to a copy of the shared lake and rebuilds) ------------------

def mart_contents(settings) -> dict[str, list[tuple]]:
    return {m: rows(settings, f"SELECT * FROM lake.curated_marts.{m} ORDER BY ALL") for m in MARTS}


def test_reloading_a_quarter_already_loaded_changes_nothing(lake_copy, tmp_path):
    lake, _ = lake_copy  # a private copy of the shared lake: this test writes to it
    before = mart_contents(lake)
    raw_before = rows(lake, "SELECT count(*) FROM lake.raw_identified.stores WHERE reference_month = '202603'")[0][0]
    zipped = next((SAMPLES / "stores").glob("*20260331*.zip"))
    assert ingest_file(lake, "stores", zipped, "reload").status == "already_loaded"
    # the same quarter re-delivered as its bare CSV (other bytes, same rows): it does load again
    with zipfile.ZipFile(zipped, metadata_encoding="cp949") as archive:
        member = next(m for m in archive.namelist() if "서울" in m)
        redelivered = tmp_path / Path(member).name
        redelivered.write_bytes(archive.read(member))
    assert ingest_file(lake, "stores", redelivered, "reload").status == "loaded"
    assert rows(lake, "SELECT count(*) FROM lake.raw_identified.stores WHERE reference_month = '202603'")[0][0] == 2 * raw_before
    dbt_build(lake, tmp_path / "dbt_target")
    assert mart_contents(lake) == before
    shutil.rmtree(tmp_path / "dbt_target", ignore_errors=True)
