"""Which catalog the tests' lakes use: `pytest --backend embedded` (default) or `--backend postgres`.

With `postgres`, every lake a test makes (`make_settings`, so the `settings` and `materialized` fixtures
too) gets a fresh database of its own on a real PostgreSQL server, created through the superuser URL in
LAKEHOUSE_TEST_POSTGRES_URL (`postgresql://USER:PASSWORD@HOST:PORT/postgres`; `make scale-up` prints one).
Names carry the session's id (xdist's `testrunuid`, shared by the workers), so a lake built once per
session (`materialized`) maps to one database in every worker; the session drops its own databases when it
ends (never another session's: several may run against one server at once).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BACKENDS = ("embedded", "postgres")
SUPERUSER_ENV = "LAKEHOUSE_TEST_POSTGRES_URL"
SESSION_ENV = "LAKEHOUSE_TEST_SESSION"  # this session's id, in database names
PREFIX = "lakehouse_test_"
_state = {"backend": "embedded", "url": ""}
_created: set[str] = set()


def add_option(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=BACKENDS, default="embedded",
                     help=f"catalog of the test lakes: embedded DuckDB file, or PostgreSQL ({SUPERUSER_ENV})")


def configure(config: pytest.Config) -> None:
    backend = config.getoption("--backend")
    _state["backend"] = backend
    if backend != "postgres":
        return
    url = os.environ.get(SUPERUSER_ENV, "")
    if not url.startswith(("postgresql://", "postgres://")):
        raise pytest.UsageError(f"--backend postgres needs {SUPERUSER_ENV}=postgresql://USER:PASSWORD@HOST:PORT/postgres "
                                "(a role that may create databases; `make scale-up` starts one and prints it)")
    _state["url"] = url
    if hasattr(config, "workerinput"):  # an xdist worker: the id all workers of this session share
        os.environ[SESSION_ENV] = config.workerinput["testrunuid"][:8]
        return
    if getattr(config.option, "testrunuid", "missing") is None:  # xdist hands the controller's choice to workers
        config.option.testrunuid = uuid.uuid4().hex
    os.environ[SESSION_ENV] = (getattr(config.option, "testrunuid", None) or uuid.uuid4().hex)[:8]


def unconfigure(config: pytest.Config) -> None:
    """The controller (or a run without xdist) drops this session's databases."""
    if postgres() and not hasattr(config, "workerinput"):
        _drop_databases(f"{PREFIX}{os.environ[SESSION_ENV]}\\_%")


def postgres() -> bool:
    return _state["backend"] == "postgres"


def _connect(database: str = ""):
    import psycopg2

    con = psycopg2.connect(database_url(database) if database else _state["url"])
    con.autocommit = True
    return con


def database_url(database: str) -> str:
    parts = urlsplit(_state["url"])
    return urlunsplit(parts._replace(path=f"/{database}"))


def _drop_databases(pattern: str) -> None:
    import psycopg2.errors

    con = _connect()
    try:
        with con.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))
            for (name,) in cur.fetchall():
                try:  # one still in use or another role's is left alone
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
                except (psycopg2.errors.ObjectInUse, psycopg2.errors.InsufficientPrivilege):
                    pass
    finally:
        con.close()


def lake_database(root: Path) -> str:
    """The URL of this lake's own database (created on first use): one per lake root and session."""
    name = PREFIX + os.environ[SESSION_ENV] + "_" + hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    if name not in _created:
        con = _connect()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()
        _created.add(name)
    return database_url(name)


def catalog_for(root: Path) -> str:
    """`Settings.catalog` of a test lake under `root`: "" (embedded) or its PostgreSQL database's URL."""
    return lake_database(root) if postgres() else ""


def copy_catalog(source_catalog: str, target_root: Path, data_path: str) -> str:
    """A copy of a lake's PostgreSQL catalog (CREATE DATABASE … TEMPLATE) with its data path pointed at
    `data_path`; returns the copy's URL."""
    source = urlsplit(source_catalog).path.lstrip("/")
    target_url = lake_database(target_root)
    target = urlsplit(target_url).path.lstrip("/")
    con = _connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{target}"')
            cur.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    finally:
        con.close()
    copy = _connect(target)
    try:
        with copy.cursor() as cur:
            cur.execute("UPDATE ducklake_metadata SET value = %s WHERE key = 'data_path'", (data_path,))
    finally:
        copy.close()
    return target_url
