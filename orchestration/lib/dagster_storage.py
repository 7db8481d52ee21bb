"""Where Dagster keeps its runs, events and schedules: SQLite under the Dagster home (default), or
PostgreSQL when `LAKEHOUSE_DAGSTER_PG_URL` is set, so several operators, the webserver, the daemon and
`lakehouse run` on any host share one history (dagster-postgres).

The URL may be given in libpq form (`postgresql://USER:PASSWORD@HOST:PORT/DB` or `postgres://`);
SQLAlchemy 2.1 rejects that form inside dagster-postgres, so it becomes `postgresql+psycopg2://`
(stack-notes). dagster.yaml names the variable holding it (`env:`), never the password itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import yaml

from lake.files import write_private

PG_URL_ENV = "LAKEHOUSE_DAGSTER_PG_URL"
SQLALCHEMY_URL_ENV = "LAKEHOUSE_DAGSTER_PG_SQLALCHEMY_URL"  # derived; read by dagster.yaml
DRIVER = "postgresql+psycopg2://"


def sqlalchemy_url(url: str) -> str:
    for scheme in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return DRIVER + url.removeprefix(scheme)
    raise ValueError(f"{PG_URL_ENV}: expected a postgresql:// URL, got one starting {url.split(':', 1)[0]!r}")


def prepare_storage_env() -> bool:
    """Set the variable dagster.yaml reads from LAKEHOUSE_DAGSTER_PG_URL (child processes inherit it);
    whether PostgreSQL storage is configured."""
    if url := os.environ.get(PG_URL_ENV, ""):
        os.environ[SQLALCHEMY_URL_ENV] = sqlalchemy_url(url)
    return bool(url)


def instance_yaml() -> str:
    """dagster.yaml: telemetry off, and PostgreSQL storage when LAKEHOUSE_DAGSTER_PG_URL is set."""
    config: dict = {"telemetry": {"enabled": False}}
    if prepare_storage_env():
        config["storage"] = {"postgres": {"postgres_url": {"env": SQLALCHEMY_URL_ENV}}}
    return yaml.safe_dump(config, sort_keys=False)


def write_instance_yaml(home: Path) -> None:
    """dagster.yaml in `home`, replaced whole and only when it changes: runs of two domains start together
    on one data folder, and each opens the instance while the other may be writing it."""
    text, path = instance_yaml(), home / "dagster.yaml"
    if not (path.exists() and path.read_text() == text):
        write_private(path, text)


def check_storage_env(instance_file: Path) -> None:
    """Before opening an instance written earlier: its PostgreSQL storage needs LAKEHOUSE_DAGSTER_PG_URL."""
    if not prepare_storage_env() and SQLALCHEMY_URL_ENV in instance_file.read_text():
        raise RuntimeError(f"{instance_file} keeps Dagster's runs in PostgreSQL: set {PG_URL_ENV} "
                           "(or run `lakehouse run` without it to go back to the local storage)")


def existing_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance a run left in `home`, opened read-only-ish (creates nothing), whatever its storage."""
    check_storage_env(home / "dagster.yaml")
    return dg.DagsterInstance.local_temp(str(home))
