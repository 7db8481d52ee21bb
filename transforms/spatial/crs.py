"""Coordinate reference systems: WGS84 ↔ EPSG:5186 / EPSG:5181, as DuckDB SQL macros.

EPSG:5186 (Korea 2000 / Central Belt 2010: origin 127°E 38°N at 200,000 E / 600,000 N) is the metric CRS of
the lake; EPSG:5181 (the same projection with 500,000 N, used by Kakao maps and 서울시 상권영역 X/Y, §11) is read
and written at the edges. Both are GRS80 transverse Mercator with scale 1, so planar distances in them are
metres within ~2 ppm over Gangseo.

Axis order: the EPSG definitions put latitude (or northing) first, and DuckDB spatial follows them unless
told otherwise: `ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:5186')` returns POINT (inf inf), and a
(lat, lon) point comes out as (northing, easting). Every macro here passes `always_xy := true`, so points
are always (longitude, latitude) and (easting, northing).
"""

from __future__ import annotations

import duckdb

WGS84, EPSG_5186, EPSG_5181 = "EPSG:4326", "EPSG:5186", "EPSG:5181"

MACROS = {
    "wgs84_to_5186": f"ST_Transform(geom, '{WGS84}', '{EPSG_5186}', always_xy := true)",
    "wgs84_to_5181": f"ST_Transform(geom, '{WGS84}', '{EPSG_5181}', always_xy := true)",
    "epsg5186_to_wgs84": f"ST_Transform(geom, '{EPSG_5186}', '{WGS84}', always_xy := true)",
    "epsg5181_to_wgs84": f"ST_Transform(geom, '{EPSG_5181}', '{WGS84}', always_xy := true)",
    "epsg5181_to_5186": f"ST_Transform(geom, '{EPSG_5181}', '{EPSG_5186}', always_xy := true)",
}


def install_crs_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary macros on `con` (spatial must be loaded), plus `metres_between(lon1, lat1, lon2, lat2)`."""
    for name, body in MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}(geom) AS {body}")
    con.execute("CREATE OR REPLACE TEMP MACRO metres_between(lon1, lat1, lon2, lat2) AS "
                "ST_Distance(wgs84_to_5186(ST_Point(lon1, lat1)), wgs84_to_5186(ST_Point(lon2, lat2)))")
