"""Where DuckLake's catalog lives, and what a shared (PostgreSQL) catalog needs that a file does not.

`LAKEHOUSE_CATALOG` empty: the embedded DuckDB file. Otherwise a PostgreSQL database, given either as
today's `postgres:dbname=… host=…` (libpq keywords) or as the URL every PostgreSQL tool takes,
`postgresql://USER:PASSWORD@HOST:PORT/DB` (or `postgres://`). DuckDB's postgres extension and psycopg2
both pass the text after `postgres:` to libpq, which reads either form, so a URL is only prefixed.

On PostgreSQL many processes and hosts write at once: DuckLake detects overlapping changes of one table
at COMMIT ("Transaction conflict"), and `retry_conflicts` re-runs such a write; `advisory_lock` gives
lake-wide mutual exclusion through the catalog database itself (held by a connection, so released when
its holder dies). No message shows the password: `masked_catalog` and `hide_secrets` for every one.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import unquote

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from lake.settings import KEYWORD_PASSWORD, MASK, masked_url
from lake.settings import _secrets as url_secrets  # one parser of URL credentials

POSTGRES = "postgres:"
URL_SCHEMES = ("postgresql://", "postgres://")
CONFLICT = "Transaction conflict"
T = TypeVar("T")


class CatalogUnavailable(RuntimeError):
    """The catalog database refused or could not be reached (the message carries no credential)."""


class WriteConflict(RuntimeError):
    """A write kept conflicting with other writers after every retry."""


def is_postgres(uri: str) -> bool:
    return uri.startswith(POSTGRES)


def conninfo(uri: str) -> str:
    """The libpq connection string (keywords or URL) of a PostgreSQL catalog."""
    return uri.removeprefix(POSTGRES)


def catalog_extensions(uri: str) -> tuple[str, ...]:
    """The DuckDB extensions attaching this catalog needs."""
    return ("ducklake", "postgres") if is_postgres(uri) else ("ducklake",)


def _secrets(uri: str) -> list[str]:
    info = conninfo(uri)
    if info.startswith(URL_SCHEMES):
        return url_secrets(info)
    return [m.group(2).strip("'") for m in KEYWORD_PASSWORD.finditer(info)]


def masked_catalog(uri: str) -> str:
    """The catalog fit to print: user, host, database kept, password ***."""
    info = conninfo(uri)
    if not is_postgres(uri):
        return uri
    if info.startswith(URL_SCHEMES):
        return POSTGRES + masked_url(info)
    return POSTGRES + KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, info)


def hide_secrets(text: str, uri: str) -> str:
    """`text` with every credential of the catalog `uri` replaced by ***."""
    text = text.replace(conninfo(uri), conninfo(masked_catalog(uri)))
    for secret in _secrets(uri):
        for form in {secret, unquote(secret)}:  # a URL's password may be %-encoded
            text = text.replace(form, MASK)
    return text


def conflict_retries() -> int:
    """How often a conflicting write is re-run before it fails: LAKEHOUSE_CONFLICT_RETRIES, default 8."""
    value = os.environ.get("LAKEHOUSE_CONFLICT_RETRIES", "8")
    if not value.strip().isdigit():
        raise ValueError(f"LAKEHOUSE_CONFLICT_RETRIES={value!r}: expected a whole number")
    return int(value)


def is_conflict(exc: BaseException) -> bool:
    return CONFLICT in str(exc)


def retry_conflicts(what: str, write: Callable[[], T], retries: int | None = None) -> T:
    """Run `write` (one whole transaction); on DuckLake's "Transaction conflict" run it again after a
    random exponential backoff (0.2 s doubling, at most 10 s: two writers that collided do not collide
    again in step), at most `retries` times; then fail naming `what` (the table or asset)."""
    retries = conflict_retries() if retries is None else retries
    attempts = Retrying(retry=retry_if_exception(is_conflict), stop=stop_after_attempt(retries + 1),
                        wait=wait_random_exponential(multiplier=0.2, max=10), reraise=True)
    try:
        return attempts(write)
    except Exception as exc:
        if not is_conflict(exc):
            raise
        raise WriteConflict(f"{what}: still conflicting with another writer after {retries} retries "
                            f"(LAKEHOUSE_CONFLICT_RETRIES); run it again when the other write is done") from exc


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def connect(uri: str, purpose: str):
    """A psycopg2 connection to the catalog database, named after its holder (pg_stat_activity shows it)."""
    import psycopg2

    name = f"lakehouse {purpose} pid {os.getpid()} on {socket.gethostname()}"[:63]
    try:
        con = psycopg2.connect(conninfo(uri), application_name=name, connect_timeout=10)
    except psycopg2.Error as exc:
        raise CatalogUnavailable(f"cannot reach the catalog {masked_catalog(uri)}: "
                                 f"{hide_secrets(str(exc).strip(), uri)}") from None
    con.autocommit = True
    return con


def lock_holder(uri: str, name: str) -> str:
    """Who holds the advisory lock `name`: its connection's name and start, or '' when nobody does."""
    key = _lock_key(name)
    con = connect(uri, "lock probe")
    try:
        with con.cursor() as cur:
            cur.execute("""SELECT a.application_name, a.client_addr, a.backend_start
                           FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                           WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
                               SELECT oid FROM pg_database WHERE datname = current_database())
                             AND l.classid = %s AND l.objid = %s AND l.objsubid = 1""",
                        (((key >> 32) & 0xFFFFFFFF), key & 0xFFFFFFFF))
            row = cur.fetchone()
    finally:
        con.close()
    if row is None:
        return ""
    app, addr, started = row
    return f"{app} (from {addr or 'local socket'}, connected {started:%Y-%m-%d %H:%M:%S %Z})"


@contextmanager
def advisory_lock(uri: str, name: str, wait_seconds: float = -1) -> Iterator[bool]:
    """Hold PostgreSQL's session advisory lock `name` in the catalog database for the block. Yields
    True once held; False when `wait_seconds` (>= 0) passed first (-1: wait as long as it takes).
    Polls pg_try_advisory_lock, so a waiter never holds a transaction open in the catalog."""
    key = _lock_key(name)
    con = connect(uri, name)
    try:
        deadline = None if wait_seconds < 0 else time.monotonic() + wait_seconds
        pause = 0.05
        with con.cursor() as cur:
            while True:
                cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                if cur.fetchone()[0]:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        try:
            yield True
        finally:
            with con.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        con.close()
