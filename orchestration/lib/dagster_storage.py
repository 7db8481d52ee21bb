"""Where Dagster keeps its runs, events and schedules: SQLite under the Dagster home (default), or
PostgreSQL when `LAKEHOUSE_DAGSTER_PG_URL` is set, so several operators, the webserver, the daemon and
`lakehouse run` on any host share one history (dagster-postgres).

On SQLite, the event log keeps each shard's connection open in the process that writes it
(`PooledSqliteEventLogStorage`); Dagster's own opens and closes one for every event.

The URL may be given in libpq form (`postgresql://USER:PASSWORD@HOST:PORT/DB` or `postgres://`);
SQLAlchemy 2.1 rejects that form inside dagster-postgres, so it becomes `postgresql+psycopg2://`
(stack-notes). dagster.yaml names the variable holding it (`env:`), never the password itself.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import sqlalchemy as db
import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

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


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (one shard a run, and the index), with a shard's connection kept open.

    Dagster's opens a connection for every event (two for an asset event) and closes it; in WAL mode the
    last close checkpoints and deletes the WAL, ~4 ms an event, and a cold run stores ~1,100 events. Kept
    open, a run's shard is checkpointed after each write instead, so its .db file still changes with every
    event: the webserver watches that file for a run's new events."""

    KEPT = 4  # the index and the latest run shards; a process reading many runs (the webserver) keeps a few

    def __init__(self, base_dir: str, inst_data=None) -> None:
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:  # as in Dagster's: one connection at a time (a lock, not re-entrant: no nesting)
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _engine(self, shard: str) -> db.Engine:
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        engine = db.create_engine(self.conn_string_for_shard(shard), poolclass=StaticPool,
                                  connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                "check_same_thread": False})  # used under self._db_lock only
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > self.KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


def instance_yaml(home: Path) -> str:
    """dagster.yaml: telemetry off, and PostgreSQL storage when LAKEHOUSE_DAGSTER_PG_URL is set; else Dagster's
    SQLite storage under `home`, with the event log's connections kept open (PooledSqliteEventLogStorage)."""
    config: dict = {"telemetry": {"enabled": False}}
    if prepare_storage_env():
        config["storage"] = {"postgres": {"postgres_url": {"env": SQLALCHEMY_URL_ENV}}}
    else:  # where Dagster's default keeps the event log
        config["event_log_storage"] = {"module": __name__, "class": PooledSqliteEventLogStorage.__name__,
                                       "config": {"base_dir": str(home / "history" / "runs")}}
    return yaml.safe_dump(config, sort_keys=False)


def write_instance_yaml(home: Path) -> None:
    """dagster.yaml in `home`, replaced whole and only when it changes: runs of two domains start together
    on one data folder, and each opens the instance while the other may be writing it."""
    text, path = instance_yaml(home), home / "dagster.yaml"
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
