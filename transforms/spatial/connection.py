"""DuckDB connections with the spatial extension, installed offline from its pip package like ducklake."""

from __future__ import annotations

import duckdb

from lake.session import duckdb_config, load_extensions
from lake.settings import Settings
from transforms.spatial.crs import install_crs_macros


def load_spatial(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Load spatial into an open connection (e.g. a lake session) and add the CRS macros."""
    load_extensions(con, ("spatial",))
    install_crs_macros(con)
    return con


def spatial_connection(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A new connection whose extensions live in the project's `.duckdb_extensions/` (never downloaded)."""
    return load_spatial(duckdb.connect(database, config=duckdb_config(Settings.from_env())))
