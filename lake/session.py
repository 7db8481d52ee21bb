"""The DuckLake lakehouse: extensions from packages, one schema per zone, serialised writes.

DuckDB allows one process per catalog file while it writes, so every writer (Dagster steps, the CLI,
dbt through the same lock held by its caller, purge) holds the lake lock (`writer_lock`). Readers never
wait for it: when a writer lets go, it publishes a copy of the catalog file (`reader_catalog`), and
read-only sessions attach that copy, the last committed state. DuckLake never rewrites a data file in
place, so the copy's Parquet files stay valid while a writer adds new ones.
Every write transaction carries a commit message naming the asset and the run (governance.md §6.1).

A PostgreSQL catalog (lake/catalog_backend.py) is shared by processes on many hosts, so a local file lock
would serialise nothing that matters there and readers need no copy: the catalog's transactions give each
reader a committed snapshot. There a `lake_write` holds a PostgreSQL advisory lock named after its asset
(one writer per table: DuckLake on PostgreSQL may miss some conflicts, stack-notes), writes to different
tables proceed in parallel, and `writer_lock` (dbt builds, purge) is one lake-wide advisory lock.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
from filelock import FileLock, Timeout

from lake import object_store
from lake.catalog_backend import (CatalogUnavailable, advisory_lock, catalog_extensions, hide_secrets, is_postgres,
                                  masked_catalog, retry_conflicts)
from lake.files import private_dir
from lake.settings import PROJECT_ROOT, Settings

DUCKDB_VERSION = "v1.5.5"
T = TypeVar("T")
ZONES = (
    "landing",
    "raw_identified",
    "quarantine",
    "staging_pseudonymized",
    "curated_marts",
    "release",
    "reference",
    "audit",
)


def extension_file(name: str) -> Path:
    """The extension binary shipped in the `duckdb-extension-<name>` package (no download)."""
    package = importlib.import_module(f"duckdb_extension_{name}")
    path = Path(package.__file__).parent / "extensions" / DUCKDB_VERSION / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: reinstall duckdb-extension-{name}=={DUCKDB_VERSION[1:]}")
    return path


@functools.cache
def verified_extension(name: str) -> Path:
    """The extension binary, checked once per process against the sha256 pip recorded for it when it
    installed the pinned `duckdb-extension-<name>` wheel (the wheel's RECORD). DuckDB's own signature check
    costs 0.12-0.3 s on every LOAD, and the project opens hundreds of lake sessions per build; sessions
    then load the verified file with `allow_unsigned_extensions` (autoloading and installing stay off)."""
    path = extension_file(name)
    recorded = next((f.hash for f in importlib.metadata.files(f"duckdb-extension-{name}") or []
                     if f.name == path.name and f.hash), None)
    if recorded is None or recorded.mode != "sha256":
        raise RuntimeError(f"duckdb-extension-{name} has no sha256 in its RECORD: reinstall it")
    digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
    if digest != recorded.value:
        raise RuntimeError(f"{path} differs from the file pip installed (sha256 mismatch): reinstall "
                           f"duckdb-extension-{name}=={DUCKDB_VERSION[1:]}")
    return path


# DuckDB calls an extension file's `<file name>_init`: the postgres package's file is `postgres.duckdb_extension`
# but its entry point is `postgres_scanner_init`, so it is loaded through a link of that name.
ENTRY_NAMES = {"postgres": "postgres_scanner"}


@functools.cache
def _loadable(name: str) -> Path:
    path = verified_extension(name)
    if name not in ENTRY_NAMES:
        return path
    link = private_dir(PROJECT_ROOT / ".duckdb_extensions") / f"{ENTRY_NAMES[name]}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == path.resolve()):
        partial = link.with_name(f".{link.name}.{os.getpid()}")
        partial.unlink(missing_ok=True)
        partial.symlink_to(path)
        os.replace(partial, link)
    return link


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = ("ducklake",)) -> None:
    """Load each extension from its package file (never downloaded). On a connection opened with
    `duckdb_config` the file was verified against pip's record; elsewhere DuckDB checks its signature."""
    for name in names:
        con.execute(f"LOAD '{_loadable(name)}'")


def duckdb_config(settings: Settings) -> dict[str, str | bool]:
    """For the project's own connections, which run only the project's SQL (analyst sessions have their
    own locked configuration, governance/analyst.py)."""
    return {
        "extension_directory": str(settings.extension_dir),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_unsigned_extensions": True,  # only files verified by verified_extension() are loaded
        "memory_limit": settings.duckdb_memory_limit,
        "temp_directory": str(settings.spill_dir),
    }


def sql_string(text: str) -> str:
    """`text` as a SQL string literal, for statements that take no parameters (SET, CREATE SECRET, generated rules)."""
    return "'" + text.replace("'", "''") + "'"


def _attach_sql(catalog: str, settings: Settings, read_only: bool) -> str:
    options = ["READ_ONLY"] if read_only else [f"DATA_PATH '{settings.lake_data_path}'", "DATA_INLINING_ROW_LIMIT 0"]
    return f"ATTACH 'ducklake:{catalog}' AS lake ({', '.join(options)})"


def _extensions_for(settings: Settings) -> tuple[str, ...]:
    return catalog_extensions(settings.catalog_uri) + object_store.extensions(settings.data_url)


def shared_catalog(settings: Settings) -> bool:
    """A PostgreSQL catalog: many writers, advisory locks, conflict retries (see the module's docstring)."""
    return is_postgres(settings.catalog_uri)


def publish_reader_catalog(settings: Settings) -> None:
    """Copy the embedded catalog file (and a WAL, if one is left) aside, then rename it into place, so a
    reader opens either the previous committed state or this one, never half of one."""
    reader, catalog = settings.reader_catalog, Path(settings.catalog_uri)
    if reader is None or not catalog.exists():
        return
    for source, target in ((catalog, reader), (catalog.with_name(catalog.name + ".wal"), reader.with_name(reader.name + ".wal"))):
        if not source.exists():
            target.unlink(missing_ok=True)
            continue
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        shutil.copyfile(source, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)


class LakeBusy(RuntimeError):
    """Another process holds the lake lock and the caller chose not to wait."""


# Zones whose files hold personal data as delivered (governance.md §1): their folders are the owner's alone.
RESTRICTED_ZONES = ("landing", "raw_identified", "quarantine")


def _private_zone_folders(settings: Settings) -> None:
    private_dir(settings.data_dir)
    if settings.data_url:  # on object storage nothing of the lake's is kept on local disk
        return
    for folder in (settings.lake_dir, settings.landing_dir, *(settings.lake_dir / z for z in RESTRICTED_ZONES)):
        private_dir(folder)


@contextmanager
def _private_writes(settings: Settings) -> Iterator[None]:
    """Files written in the block are the owner's alone (umask 077: DuckDB and dbt create Parquet files with
    the process umask), in 0700 folders for the restricted zones."""
    _private_zone_folders(settings)
    previous_umask = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous_umask)


@contextmanager
def _advisory(settings: Settings, name: str, timeout: float) -> Iterator[None]:
    with advisory_lock(settings.catalog_uri, name, timeout) as held:
        if not held:
            raise LakeBusy(f"the lake is being written ({name} is held in {masked_catalog(settings.catalog_uri)})")
        yield


LAKE_WRITER = "lakehouse:lake-writer"


@contextmanager
def writer_lock(settings: Settings, timeout: float = -1) -> Iterator[None]:
    """The lake lock, for anything that writes the catalog (also dbt's subprocess and purge); on release,
    readers get the state it left. `timeout` 0: raise LakeBusy at once if another process holds it.
    On a PostgreSQL catalog: the lake-wide advisory lock (dbt builds and purge, one at a time)."""
    if shared_catalog(settings):
        with _advisory(settings, LAKE_WRITER, timeout), _private_writes(settings):
            yield
        return
    with _private_writes(settings):
        lock = FileLock(str(settings.lock_file), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise LakeBusy(f"the lake is being written ({settings.lock_file} is held)") from None
        try:
            yield
        finally:
            try:
                publish_reader_catalog(settings)
            finally:
                lock.release()


@contextmanager
def _connection(settings: Settings, catalog: str, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(config=duckdb_config(settings))
    try:
        load_extensions(con, _extensions_for(settings))
        object_store.configure(con, settings.data_url)
        try:
            con.execute(_attach_sql(catalog, settings, read_only))
        except duckdb.Error as exc:
            if not is_postgres(catalog):
                raise
            # DuckDB's message repeats the whole connection string, password included.
            raise CatalogUnavailable(hide_secrets(str(exc), catalog)) from None
        yield con
    finally:
        con.close()


@contextmanager
def lake_session(settings: Settings, read_only: bool = False, lock_timeout: float = -1) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the lake attached as `lake`. A writer holds the lake lock until it closes; a
    reader takes no lock and sees the last state a writer committed (on a PostgreSQL catalog, the
    catalog's own transactions give the same)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.data_url:
        settings.lake_dir.mkdir(parents=True, exist_ok=True)
    reader = settings.reader_catalog
    if read_only and (reader is None or reader.exists()):
        with _connection(settings, str(reader or settings.catalog_uri), read_only=True) as con:
            yield con
        return
    # On PostgreSQL the writer's lock is lake_write's per-asset advisory lock (or the caller's writer_lock).
    lock = _private_writes(settings) if shared_catalog(settings) else writer_lock(settings, lock_timeout)
    with lock, _connection(settings, settings.catalog_uri, read_only) as con:
        yield con


def commit_message(con: duckdb.DuckDBPyConnection, asset: str, run_id: str, purpose_code: str = "") -> None:
    """Label the current transaction's snapshot; call inside BEGIN … COMMIT."""
    extra = json.dumps({"asset": asset, "run_id": run_id, "purpose_code": purpose_code}, ensure_ascii=False)
    con.execute(
        "CALL lake.set_commit_message('lakehouse', ?, extra_info => ?)",
        [f"asset={asset} run={run_id}", extra],
    )


@contextmanager
def lake_write(settings: Settings, asset: str, run_id: str, purpose_code: str = "",
               lock_timeout: float = -1) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction = one DuckLake snapshot, labelled with asset and run. On a PostgreSQL catalog
    it holds the asset's advisory lock (one writer per table; `lock_timeout` as for the lake lock)."""
    asset_lock = _advisory(settings, f"lakehouse:asset:{asset}", lock_timeout) if shared_catalog(settings) \
        else contextlib.nullcontext()
    with asset_lock, lake_session(settings, lock_timeout=lock_timeout) as con:
        con.execute("BEGIN")
        try:
            commit_message(con, asset, run_id, purpose_code)
            yield con
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.TransactionException):  # a failed COMMIT (a conflict) ended it already
                con.execute("ROLLBACK")
            raise


def lake_write_retrying(settings: Settings, asset: str, run_id: str, write: Callable[[duckdb.DuckDBPyConnection], T],
                        purpose_code: str = "", lock_timeout: float = -1) -> T:
    """`write(con)` in one `lake_write` transaction; on a PostgreSQL catalog re-run from the start when it
    loses a "Transaction conflict" to another writer (bounded, with backoff: catalog_backend.retry_conflicts)."""
    def attempt() -> T:
        with lake_write(settings, asset, run_id, purpose_code, lock_timeout) as con:
            return write(con)

    return retry_conflicts(asset, attempt) if shared_catalog(settings) else attempt()


def create_missing_zones(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The zone schemas, inside an open lake session (one snapshot, only when some are missing)."""
    existing = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'lake'").fetchall()}
    missing = [z for z in ZONES if z not in existing]
    if not missing:
        return
    con.execute("BEGIN")
    commit_message(con, "lake/zones", run_id)
    for zone in missing:
        con.execute(f"CREATE SCHEMA lake.{zone}")
    con.execute("COMMIT")


def ensure_zones(settings: Settings, run_id: str = "setup") -> None:
    if not shared_catalog(settings):
        with lake_session(settings) as con:
            create_missing_zones(con, run_id)
        return
    # Two processes starting on a fresh PostgreSQL catalog would both create the schemas: one at a time.
    with _advisory(settings, "lakehouse:asset:lake/zones", -1):
        retry_conflicts("lake/zones", lambda: _create_zones(settings, run_id))


def _create_zones(settings: Settings, run_id: str) -> None:
    with lake_session(settings) as con:
        create_missing_zones(con, run_id)


def table_exists(con: duckdb.DuckDBPyConnection, physical_name: str) -> bool:
    """Whether the lake has the table `schema.table`, by binding that one name: listing tables (duckdb_tables())
    makes DuckLake load every table's entry, ~0.25 s on a session's first look at a built lake against ~0.05.
    A missing name is a catalog error, which leaves an open transaction usable."""
    schema, table = physical_name.split(".")
    try:
        con.execute(f'SELECT * FROM lake."{schema}"."{table}" LIMIT 0')
    except duckdb.CatalogException:
        return False
    return True
