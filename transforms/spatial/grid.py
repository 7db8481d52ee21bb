"""The 250 m grid over Gangseo-gu in EPSG:5186, as a DuckDB table.

Cells are aligned to multiples of the cell size in EPSG:5186, so a cell id is computable from any point
without a spatial join (`grid_cell_id(x, y)`), and grids of different runs or extents share ids. A cell is
in the grid when it touches the district (the union of its 법정동); `gangseo_share` is the part of the cell
inside it, for weighting edge cells. (SGIS's 격자통계 uses EPSG:5179 and its own lettered ids: a join to
those needs a transform, not these ids.)
"""

from __future__ import annotations

import duckdb

from transforms.spatial.boundaries import BDONG_TABLE, load_bdong_boundaries

CELL_M = 250
GRID_TABLE = "gangseo_grid_250m"


def install_grid_macros(con: duckdb.DuckDBPyConnection, cell_m: int = CELL_M) -> None:
    """`grid_cell_id(x, y)` for EPSG:5186 metres and `grid_cell_id_wgs84(lon, lat)`: 'G250_<x_min>_<y_min>'."""
    con.execute(f"""CREATE OR REPLACE TEMP MACRO grid_cell_id(x, y) AS
        'G{cell_m}_' || CAST(floor(x / {cell_m}) * {cell_m} AS BIGINT) || '_' || CAST(floor(y / {cell_m}) * {cell_m} AS BIGINT)""")
    con.execute("""CREATE OR REPLACE TEMP MACRO grid_cell_id_wgs84(lon, lat) AS
        grid_cell_id(ST_X(wgs84_to_5186(ST_Point(lon, lat))), ST_Y(wgs84_to_5186(ST_Point(lon, lat))))""")


def create_gangseo_grid(con: duckdb.DuckDBPyConnection, table: str = GRID_TABLE, cell_m: int = CELL_M) -> str:
    """A temp table of the cells touching Gangseo; returns its name. Needs `load_spatial`.

    Columns: cell_id, x_min / y_min (EPSG:5186 m), geom_5186, centroid_5186, geom_wgs84,
    centroid_lon / centroid_lat (WGS84), gangseo_share (0–1 of the cell inside the district)."""
    load_bdong_boundaries(con)
    install_grid_macros(con, cell_m)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
        WITH district AS (SELECT ST_Union_Agg(geom_5186) AS geom FROM {BDONG_TABLE}),
        extent AS (
            SELECT floor(ST_XMin(geom) / {cell_m}) * {cell_m} AS x0, ceil(ST_XMax(geom) / {cell_m}) * {cell_m} AS x1,
                   floor(ST_YMin(geom) / {cell_m}) * {cell_m} AS y0, ceil(ST_YMax(geom) / {cell_m}) * {cell_m} AS y1
            FROM district),
        cells AS (
            SELECT x.x AS x_min, y.y AS y_min, ST_MakeEnvelope(x.x, y.y, x.x + {cell_m}, y.y + {cell_m}) AS geom_5186
            FROM extent, range(CAST(x0 AS BIGINT), CAST(x1 AS BIGINT), {cell_m}) AS x(x),
                 range(CAST(y0 AS BIGINT), CAST(y1 AS BIGINT), {cell_m}) AS y(y))
        SELECT grid_cell_id(x_min, y_min) AS cell_id, x_min, y_min, cells.geom_5186,
               ST_Centroid(cells.geom_5186) AS centroid_5186,
               epsg5186_to_wgs84(cells.geom_5186) AS geom_wgs84,
               ST_X(epsg5186_to_wgs84(ST_Centroid(cells.geom_5186))) AS centroid_lon,
               ST_Y(epsg5186_to_wgs84(ST_Centroid(cells.geom_5186))) AS centroid_lat,
               ST_Area(ST_Intersection(cells.geom_5186, district.geom)) / {cell_m * cell_m} AS gangseo_share
        FROM cells, district
        WHERE ST_Intersects(cells.geom_5186, district.geom)
        ORDER BY y_min DESC, x_min""")
    return table
