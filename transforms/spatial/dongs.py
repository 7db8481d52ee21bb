"""Point → 법정동 → 행정동, with ambiguity explicit, never guessed.

A point is joined to the 법정동 polygons it intersects (DuckDB's spatial join). A 법정동 maps to its 행정동
through the official many-to-many table (the geography seed, `transforms.geography.adong_codes_for_bdong`):
only 6 of Gangseo's 13 법정동 lie in a single 행정동 (염창동, 외발산동, 개화동, 과해동, 오곡동, 오쇠동), so most
points get several 행정동 candidates and `ambiguous = true`. A point on an edge, or in a sliver where the
bundled polygons overlap, gets every 법정동 it touches (`bdong_ambiguous`) and the union of their 행정동.
A real 행정동 boundary source would remove the ambiguity; until then marts must aggregate to 법정동 or carry
the candidates.
"""

from __future__ import annotations

import duckdb

from transforms.geography import adong_codes_for_bdong
from transforms.spatial.boundaries import BDONG_TABLE, bdong_boundaries, load_bdong_boundaries

MAPPING_TABLE = "gangseo_bdong_adong"


def load_bdong_adong_mapping(con: duckdb.DuckDBPyConnection) -> str:
    pairs = [[bdong, adong] for bdong, _, _ in bdong_boundaries() for adong in adong_codes_for_bdong(bdong)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {MAPPING_TABLE} (bdong_code VARCHAR, adong_code VARCHAR)")
    con.executemany(f"INSERT INTO {MAPPING_TABLE} VALUES (?, ?)", pairs)
    return MAPPING_TABLE


def assign_dongs(con: duckdb.DuckDBPyConnection, relation: str, id_column: str = "id",
                 lon_column: str = "longitude", lat_column: str = "latitude") -> duckdb.DuckDBPyRelation:
    """One row per row of `relation` (a table, view or parenthesised query; WGS84 coordinates):

    point_id; in_gangseo (NULL when a coordinate is missing); bdong_codes (every 법정동 touched, sorted);
    bdong_code (the one 법정동, else NULL); bdong_ambiguous; adong_codes (every candidate 행정동, sorted);
    adong_code (the one 행정동, else NULL); ambiguous (more than one 행정동 candidate). Needs `load_spatial`."""
    load_bdong_boundaries(con)
    load_bdong_adong_mapping(con)
    return con.sql(f"""
        WITH points AS (
            SELECT "{id_column}" AS point_id, CAST("{lon_column}" AS DOUBLE) AS lon, CAST("{lat_column}" AS DOUBLE) AS lat
            FROM {relation}),
        hits AS (
            SELECT p.point_id, b.bdong_code
            FROM points p JOIN {BDONG_TABLE} b ON ST_Intersects(b.geom, ST_Point(p.lon, p.lat))),
        candidates AS (
            SELECT h.point_id,
                   list_sort(list_distinct(list(h.bdong_code))) AS bdong_codes,
                   list_sort(list_distinct(list(m.adong_code))) AS adong_codes
            FROM hits h JOIN {MAPPING_TABLE} m USING (bdong_code)
            GROUP BY h.point_id)
        SELECT p.point_id,
               CASE WHEN p.lon IS NULL OR p.lat IS NULL THEN NULL ELSE c.point_id IS NOT NULL END AS in_gangseo,
               coalesce(c.bdong_codes, []::VARCHAR[]) AS bdong_codes,
               CASE WHEN len(c.bdong_codes) = 1 THEN c.bdong_codes[1] END AS bdong_code,
               coalesce(len(c.bdong_codes) > 1, false) AS bdong_ambiguous,
               coalesce(c.adong_codes, []::VARCHAR[]) AS adong_codes,
               CASE WHEN len(c.adong_codes) = 1 THEN c.adong_codes[1] END AS adong_code,
               coalesce(len(c.adong_codes) > 1, false) AS ambiguous
        FROM points p LEFT JOIN candidates c USING (point_id)""")
