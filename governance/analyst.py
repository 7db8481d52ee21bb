"""The analysts' databases: one per audience, its marts only, read-only, sandboxed, every query logged.

`publish_analyst_dbs` copies, for each audience of catalog/audiences.yaml, the marts whose contract lists
that audience into `data/analyst/<audience>.duckdb` (built beside it, then swapped in with `os.replace`, so a
reader never opens half a file; 0600 in a 0700 folder). A database whose every mart is what it copied
(lake/changes.py; the copies are recorded in `data/analyst/copies.json`) is kept as it is. A mart at tier
sensitive-pseudonymized or above is in no analyst database whatever its contract says: person- and
household-level pseudonymized data leaves the lake only through a purpose-bound export (governance.md §5.1, §5.4).

`analyst_connection` opens one read-only with external access disabled and the configuration locked, so a
session cannot ATTACH other files, read raw files, COPY out, or unlock itself (governance.md §5.3).
`run_query` answers one query and appends it to the access log (who, audience, query text, datasets named,
rows returned, outcome; never a value). The query runs without the lake lock; the log append takes it if it
is free, and otherwise writes the entry to the spool, which the next append or the main job moves into the log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from filelock import FileLock

from catalog.contracts import Contract, load_contracts
from catalog.registry import audiences
from governance.audit import QUERY, AccessEntry, Requester, log_access, now
from lake.changes import columns_digest, copy_is_current, current_snapshot, lake_identity
from lake.files import make_private, private_dir, write_private
from lake.session import lake_session, table_exists
from lake.settings import Settings

SCHEMA = "marts"
READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}  # SHOW, DESCRIBE parse as SELECT
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,  # last: nothing above can be undone from inside the session
}


class NotAnswered(Exception):
    """A query that was not answered; `datasets` are the tables it named (for the log)."""

    outcome = "failed"

    def __init__(self, message: str, datasets: list[str] | None = None):
        super().__init__(message)
        self.datasets = datasets or []


class QueryRefused(NotAnswered, PermissionError):
    """The audience's scope or the sandbox said no: logged as `refused`."""

    outcome = "refused"


class QueryFailed(NotAnswered):
    """The query could not run (syntax, unknown column, no database yet): logged as `failed`."""


def audience_list() -> str:
    return ", ".join(f"{a.id} ({a.name_en})" for a in audiences().values())


def analyst_dir(settings: Settings) -> Path:
    return settings.analyst_dir


def analyst_db(settings: Settings, audience: str) -> Path:
    return analyst_dir(settings) / f"{audience}.duckdb"


def audience_marts(audience: str) -> list[Contract]:
    """The marts `audience` may query: its contract names the audience, and its tier is below export-only."""
    return [c for c in load_contracts().values() if c.layer == "mart" and audience in c.audiences and not c.export_only]


def analyst_marts() -> list[Contract]:
    """Every mart some audience may query (export-only marts are in none)."""
    chosen = {c.id: c for audience in audiences() for c in audience_marts(audience)}
    return sorted(chosen.values(), key=lambda c: c.id)


def analyst_tables(audience: str) -> list[str]:
    return [t.physical_name for c in audience_marts(audience) for t in c.tables]


# --- publishing -------------------------------------------------------------------------------------------

def _publish(con: duckdb.DuckDBPyConnection, folder: Path, audience: str, tables: list[str]) -> dict[str, int]:
    target = folder / f"{audience}.duckdb"
    building = folder / f".{audience}.duckdb.building"  # one publisher at a time (the caller's lock)
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)
    published = {}
    try:
        con.execute(f"ATTACH '{building}' AS analyst")
        try:
            con.execute(f"CREATE SCHEMA analyst.{SCHEMA}")
            for physical in tables:
                name = physical.split(".")[1]
                con.execute(f"CREATE TABLE analyst.{SCHEMA}.{name} AS SELECT * FROM lake.{physical}")
                published[name] = con.execute(f"SELECT count(*) FROM analyst.{SCHEMA}.{name}").fetchone()[0]
        finally:
            con.execute("DETACH analyst")
        make_private(building)
        os.replace(building, target)
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    return published


def _copies_file(folder: Path) -> Path:
    return folder / "copies.json"


def _copies(folder: Path) -> dict:
    """What each audience's database copied: {audience: {"lake", "snapshot", "tables": {table: {"rows", "columns"}}}}."""
    try:
        return json.loads(_copies_file(folder).read_text())
    except (OSError, ValueError):
        return {}  # lost or unreadable: every database is built again


def _still_current(con: duckdb.DuckDBPyConnection, lake: str, folder: Path, audience: str, tables: list[str],
                   copied: dict | None) -> bool:
    """Whether `audience`'s database holds `tables` as the lake (`lake`: its identity) holds them now (`copied`:
    the database's record)."""
    if not (folder / f"{audience}.duckdb").exists() or not copied or sorted(copied["tables"]) != sorted(tables):
        return False
    return all(copy_is_current(con, table, lake, copied["lake"], copied["snapshot"], copy["rows"], copy["columns"])
               for table, copy in copied["tables"].items())


def publish_analyst_dbs(settings: Settings) -> dict[str, dict[str, int]]:
    """Build every audience's database whose marts changed since it was built; returns rows per table per
    audience (of the databases kept too)."""
    folder = private_dir(analyst_dir(settings))
    with FileLock(str(settings.data_dir / ".analyst.lock")), lake_session(settings, read_only=True) as con:
        lake, snapshot, before = lake_identity(con), current_snapshot(con), _copies(folder)
        published, copies = {}, {}
        for audience in audiences():
            # a mart of a domain no run has built yet (`lakehouse run --domain`) is left out until one has
            tables = [t for t in analyst_tables(audience) if table_exists(con, t)]
            if _still_current(con, lake, folder, audience, tables, before.get(audience)):
                copies[audience] = before[audience]
                published[audience] = {t.split(".")[1]: c["rows"] for t, c in before[audience]["tables"].items()}
                continue
            published[audience] = _publish(con, folder, audience, tables)
            copies[audience] = {"lake": lake, "snapshot": snapshot, "tables": {
                t: {"rows": published[audience][t.split(".")[1]], "columns": columns_digest(con, t)} for t in tables}}
        write_private(_copies_file(folder), json.dumps(copies, indent=1, sort_keys=True))
        # A retired audience's database, or the single all-marts analyst.duckdb of earlier versions, must not
        # stay readable beside the current ones.
        for stale in folder.glob("*.duckdb"):
            if stale.stem not in published:
                stale.unlink()
    return published


# --- reading ----------------------------------------------------------------------------------------------

def analyst_connection(settings: Settings, audience: str) -> duckdb.DuckDBPyConnection:
    if audience not in audiences():
        raise QueryRefused(f"unknown audience {audience!r}; audiences: {audience_list()}")
    path = analyst_db(settings, audience)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run `lakehouse run` first")
    con = duckdb.connect(str(path), read_only=True, config=SANDBOX)
    con.execute(f"USE {SCHEMA}")
    return con


@dataclass(frozen=True)
class Answer:
    columns: list[str]
    rows: list[tuple]
    datasets: list[str]


def _out_of_scope(table: str, audience: str) -> str | None:
    """Why the lake dataset `table` is not in `audience`'s database; None if it is, or is no lake dataset."""
    if any(physical.split(".")[-1] == table for physical in analyst_tables(audience)):
        return None
    holders = [c for c in load_contracts().values() for t in c.tables if t.physical_name.split(".")[-1] == table]
    mart = next((c for c in holders if c.layer == "mart"), None)
    if mart and mart.export_only:
        return (f"{table} is person- or household-level pseudonymized data (tier {mart.tier}): it is in no analyst "
                "database and leaves the lake only through a purpose-bound export (`lakehouse export`)")
    if mart:
        return (f"{table} is not available to audience {audience!r} "
                f"(audiences that may query it: {', '.join(mart.audiences) or 'none'})")
    if holders:
        return f"{table} is a {holders[0].layer} dataset: analysts query marts only"
    return None


def _answer(settings: Settings, audience: str | None, query: str) -> Answer:
    if not audience:
        raise QueryRefused(f"name the audience you query as with --audience; audiences: {audience_list()}")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from None
    if not statements:
        raise QueryFailed("the query is empty")
    writes = sorted({s.type.name for s in statements if s.type not in READ_STATEMENTS})
    if writes:
        raise QueryRefused(f"analyst databases are read-only: only queries (SELECT) run here, not {', '.join(writes)}")
    try:
        con = analyst_connection(settings, audience)
    except FileNotFoundError as exc:
        raise QueryFailed(str(exc)) from None
    named: list[str] = []
    try:
        named = sorted({t for s in statements for t in con.get_table_names(s.query)})
        refusals = [why for t in named if (why := _out_of_scope(t, audience))]
        if refusals:
            raise QueryRefused("; ".join(refusals), named)
        cursor = con.execute(query)
        return Answer([d[0] for d in cursor.description or []], cursor.fetchall(), named)
    except duckdb.PermissionException as exc:
        raise QueryRefused(f"the analyst sandbox refused it: {exc}", named) from None
    except duckdb.Error as exc:
        raise QueryFailed(str(exc), named) from None
    finally:
        con.close()


def _log_query(settings: Settings, requester: Requester, audience: str | None, query: str, asked_at: datetime,
               outcome: str, detail: str, datasets: list[str], rows: int) -> None:
    if requester.os_account:  # a name given with --as: keep the OS account that ran it too
        detail = "; ".join(filter(None, (f"os account {requester.os_account}", detail)))
    log_access(settings, AccessEntry(requester.account, requester.host, QUERY, "", "", datasets, rows, "", outcome,
                                     detail, "", audience=audience or "", query=query), at=asked_at,
               spool_if_busy=True)  # a query never waits for a main job: its entry waits in the spool instead


def run_query(settings: Settings, audience: str | None, query: str, requester: Requester | None = None) -> Answer:
    """Answer `query` from `audience`'s database, then log it; a refusal or failure is logged, then raised.

    The query runs without the lake lock; only the log append takes it, after the query is over.
    """
    requester = requester or Requester.current()
    asked_at = now()
    try:
        answer = _answer(settings, audience, query)
    except NotAnswered as exc:
        _log_query(settings, requester, audience, query, asked_at, exc.outcome, str(exc), exc.datasets, 0)
        raise
    _log_query(settings, requester, audience, query, asked_at, "answered", "", answer.datasets, len(answer.rows))
    return answer
