"""PostgreSQL for the scaled-out bench: databases of its own on the local server `.ci/postgres-up` runs.

The role and its throwaway password follow `.ci/postgres-up` (LAKEHOUSE_TEST_POSTGRES_URL, else the line in
data/postgres.env, a role that may create databases); when neither is there, or the server does not answer,
`.ci/postgres-up` is run once (it starts Debian's server and writes that file; installing it needs root). The bench creates a catalog and a
Dagster database named after its process and drops both afterwards; the server is shared and stays up.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from lake.settings import PROJECT_ROOT

URL_ENV = "LAKEHOUSE_TEST_POSTGRES_URL"
ENV_FILE = PROJECT_ROOT / "data" / "postgres.env"


class Unavailable(RuntimeError):
    """No PostgreSQL server the bench can use; the message says why (no credential in it)."""


def _postgres_up() -> None:
    started = subprocess.run([str(PROJECT_ROOT / ".ci" / "postgres-up")], cwd=PROJECT_ROOT, capture_output=True,
                             text=True)
    if started.returncode:
        reason = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"no PostgreSQL: .ci/postgres-up failed ({reason})")


def _admin_url() -> str:
    if url := os.environ.get(URL_ENV, ""):
        return url
    if not ENV_FILE.exists():
        _postgres_up()
    for line in ENV_FILE.read_text().splitlines():
        if line.startswith(f"{URL_ENV}="):
            return line.split("=", 1)[1]
    raise Unavailable(f"no PostgreSQL: {ENV_FILE} names no {URL_ENV}")


def _connect(admin: str):
    """A connection to the server; a server that is down is started once (`.ci/postgres-up`)."""
    import psycopg2

    for attempt in range(2):
        try:
            return psycopg2.connect(admin, connect_timeout=10)
        except psycopg2.OperationalError as exc:
            if attempt:
                raise Unavailable(f"no PostgreSQL at {urlsplit(admin).hostname}:{urlsplit(admin).port}: "
                                  f"{type(exc).__name__}") from None
            _postgres_up()


def _database_url(admin: str, name: str) -> str:
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


@contextmanager
def bench_databases() -> Iterator[tuple[str, str]]:
    """(catalog URL, Dagster URL): two new databases, dropped when the block ends."""
    admin = _admin_url()
    names = [f"lakehouse_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}_{kind}" for kind in ("catalog", "dagster")]
    con = _connect(admin)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            for name in names:
                cur.execute(f'CREATE DATABASE "{name}"')
        yield _database_url(admin, names[0]), _database_url(admin, names[1])
    finally:
        with con.cursor() as cur:
            for name in names:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.close()
