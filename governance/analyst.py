"""The analysts' database: marts only, read-only, sandboxed.

`publish_analyst_db` copies the curated marts out of the lake into one DuckDB file (swapped in
atomically). `analyst_connection` opens it read-only with external access disabled and the
configuration locked, so a session cannot ATTACH other files, read raw files, COPY out, or unlock
itself (governance.md §5).
"""

from __future__ import annotations

import os

import duckdb

from catalog.contracts import IDENTIFIED_TIERS, load_contracts
from lake.session import lake_session
from lake.settings import Settings

SCHEMA = "marts"


def analyst_tables() -> list[str]:
    """Physical names of the marts analysts may see: layer mart, never an identified tier."""
    return [t.physical_name for c in load_contracts().values()
            if c.layer == "mart" and c.tier not in IDENTIFIED_TIERS for t in c.tables]


def publish_analyst_db(settings: Settings) -> dict[str, int]:
    target = settings.analyst_db
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_suffix(".building")
    staging.unlink(missing_ok=True)
    published = {}
    with lake_session(settings, read_only=True) as con:
        con.execute(f"ATTACH '{staging}' AS analyst")
        con.execute(f"CREATE SCHEMA analyst.{SCHEMA}")
        for physical in analyst_tables():
            name = physical.split(".")[1]
            con.execute(f"CREATE TABLE analyst.{SCHEMA}.{name} AS SELECT * FROM lake.{physical}")
            published[name] = con.execute(f"SELECT count(*) FROM analyst.{SCHEMA}.{name}").fetchone()[0]
        con.execute("DETACH analyst")
    os.replace(staging, target)
    return published


def analyst_connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    if not settings.analyst_db.exists():
        raise FileNotFoundError(f"{settings.analyst_db} does not exist yet: run `lakehouse run` first")
    con = duckdb.connect(
        str(settings.analyst_db),
        read_only=True,
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "lock_configuration": True,
        },
    )
    con.execute(f"USE {SCHEMA}")
    return con
