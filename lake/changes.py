"""Whether a lake table changed since a copy of it was taken: what the Iceberg publication and the analyst
databases need to copy again only the tables a run changed.

DuckLake never changes a row in place (an update is a delete and an insert) and tells for every row the
snapshot that added it (the virtual column `snapshot_id`). A table none of whose rows was added after snapshot
S, holding as many rows as it held at S, has lost none either: it holds exactly its rows of S. A copy records
S, its row count, which lake it copied (`lake_identity`) and the table's columns (`columns_digest`): a lake
rebuilt under the same folder numbers its snapshots from the start again, and an ALTER changes no row. S is
read before the copy: a row added between the two only makes the copy look changed, and a row deleted between
them leaves fewer rows in the copy, as in the table.
"""

from __future__ import annotations

import hashlib
import json

import duckdb


def lake_identity(con: duckdb.DuckDBPyConnection) -> str:
    """The oldest snapshot kept and its time: which lake a snapshot id belongs to (one whose old snapshots were
    expired by purge counts as another: its copies are taken again)."""
    return str(con.execute("SELECT snapshot_id, snapshot_time FROM lake.snapshots() ORDER BY snapshot_id LIMIT 1").fetchone())


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT id FROM lake.current_snapshot()").fetchone()[0]


def columns_digest(con: duckdb.DuckDBPyConnection, physical_name: str) -> str:
    """A short digest of the table's column names and types, in order."""
    schema, table = physical_name.split(".")
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'lake' "
                          "AND schema_name = ? AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()
    return hashlib.sha256(json.dumps(columns).encode()).hexdigest()[:16]


def copy_is_current(con: duckdb.DuckDBPyConnection, physical_name: str, this_lake: str, lake: str | None,
                    snapshot_id: int, rows: int, columns: str | None) -> bool:
    """Whether a copy of `lake.<physical_name>` taken at `snapshot_id` of the lake `lake`, holding `rows` rows of
    the columns `columns` (`columns_digest`), still holds exactly the table's rows. `this_lake`: the session's
    `lake_identity`, read once by the caller for all its tables (a scan of every snapshot)."""
    if lake != this_lake or columns != columns_digest(con, physical_name):
        return False
    count, newest = con.execute(f"SELECT count(*), max(snapshot_id) FROM lake.{physical_name}").fetchone()
    return count == rows and (newest is None or newest <= snapshot_id)
