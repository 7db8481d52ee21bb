"""dbt-duckdb plugin: load DuckDB extensions from their pip packages and register `pseudonymize()`.

Staging models call `pseudonymize('<PURPOSE>', identifier)`; the key is read from the key vault
(LAKEHOUSE_KEY_DIR) inside the dbt process and never enters the lake or the SQL text.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.lake import load_extensions
from transforms.pseudonymize import Pseudonymizer


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        load_extensions(conn)
        pseudonymizer = Pseudonymizer(Path(os.environ["LAKEHOUSE_KEY_DIR"]))

        def pseudonymize(purposes: pa.Array, values: pa.Array) -> pa.Array:
            return pa.array(
                [pseudonymizer.pseudonym(p, v) for p, v in zip(purposes.to_pylist(), values.to_pylist())],
                type=pa.string(),
            )

        conn.create_function("pseudonymize", pseudonymize, ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow")
