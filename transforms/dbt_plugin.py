"""dbt-duckdb plugin: load DuckDB extensions from their pip packages and register the project's UDFs.

Staging models call `pseudonymize('<PURPOSE>', identifier)`; the key is read from the key vault
(LAKEHOUSE_KEY_DIR) inside the dbt process and never enters the lake or the SQL text. Statistical marts
call `small_cell_suppression(cells, threshold, total_row_key, total_column_key)` on each table of counts: complementary suppression is
iterative, so it runs in Python (transforms/suppression.py) rather than in SQL.
"""

from __future__ import annotations

import atexit
import gc
import os
from pathlib import Path

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from lake import object_store
from lake.catalog_backend import catalog_extensions
from lake.session import load_extensions, sql_string
from lake.settings import RUN_ID_ENV
from transforms.suppression import suppressed_grid
from transforms.pseudonymize import Pseudonymizer

GRID_CELL = "STRUCT(row_key VARCHAR, column_key VARCHAR, n BIGINT)"
PUBLISHED_CELL = "STRUCT(row_key VARCHAR, column_key VARCHAR, n BIGINT, withheld BOOLEAN, cell_kind VARCHAR)"


class Plugin(BasePlugin):
    def initialize(self, plugin_config) -> None:
        # dbt's process ends after the build: its collector need not walk the heap once more at teardown
        # (~0.7 s an invocation; dbt has closed the lake by then).
        atexit.register(gc.freeze)

    def configure_connection(self, conn) -> None:
        # spatial: metric distances in EPSG:5186 (safety marts); postgres when the catalog is in PostgreSQL;
        # httpfs and the S3 secret for object storage (LAKEHOUSE_DATA_URL), before the profile attaches the lake.
        catalog = os.environ.get("LAKEHOUSE_CATALOG_URI", "").removeprefix("ducklake:")
        data_url = os.environ.get("LAKEHOUSE_DATA_URL", "")
        load_extensions(conn, (*catalog_extensions(catalog), "spatial", *object_store.extensions(data_url)))
        object_store.configure(conn, data_url)
        # The lake the profile attaches (`ducklake:lakehouse_lake`), and dbt's memory limit and spill folder:
        # set here from the lake's settings so that the profile, and with it dbt's parse, is the same for every lake.
        conn.execute(f"SET memory_limit = {sql_string(os.environ['LAKEHOUSE_DBT_MEMORY_LIMIT'])}")
        conn.execute(f"SET temp_directory = {sql_string(os.environ['LAKEHOUSE_SPILL_DIR'])}")
        conn.execute(f"CREATE TEMPORARY SECRET lakehouse_lake (TYPE ducklake, METADATA_PATH {sql_string(catalog)}, "
                     f"DATA_PATH {sql_string(os.environ['LAKEHOUSE_DATA_PATH'])})")
        # The Dagster run that started dbt, for each snapshot's commit message (lake_commit_message.sql).
        # A function, not a dbt --vars value: a new value there would make dbt re-parse the whole project
        # (and a DuckDB variable would not reach the cursors dbt's threads use).
        run_id = os.environ.get(RUN_ID_ENV, "manual")
        conn.create_function("lakehouse_run_id", lambda: run_id, [], "VARCHAR", side_effects=False)
        pseudonymizer = Pseudonymizer(Path(os.environ["LAKEHOUSE_KEY_DIR"]))

        def pseudonymize(purposes: pa.Array, values: pa.Array) -> pa.Array:
            return pa.array(
                [pseudonymizer.pseudonym(p, v) for p, v in zip(purposes.to_pylist(), values.to_pylist())],
                type=pa.string(),
            )

        conn.create_function("pseudonymize", pseudonymize, ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow")

        conn.create_function("small_cell_suppression", suppressed_grid, [f"{GRID_CELL}[]", "INTEGER", "VARCHAR", "VARCHAR"],
                             f"{PUBLISHED_CELL}[]", type="native", side_effects=False)
