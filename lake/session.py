"""The DuckLake lakehouse: extensions from packages, one schema per zone, serialised writes.

DuckDB allows one process per catalog file while it writes, so every writer (Dagster steps, the CLI,
dbt through the same lock held by its caller, purge) holds the lake lock (`writer_lock`). Readers never
wait for it: when a writer lets go, it publishes a copy of the catalog file (`reader_catalog`), and
read-only sessions attach that copy, the last committed state. DuckLake never rewrites a data file in
place, so the copy's Parquet files stay valid while a writer adds new ones.
Every write transaction carries a commit message naming the asset and the run (governance.md §6.1).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from lake import object_store
from lake.files import private_dir
from lake.settings import Settings

DUCKDB_VERSION = "v1.5.5"
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


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = ("ducklake",)) -> None:
    """Load each extension from its package file (never downloaded). On a connection opened with
    `duckdb_config` the file was verified against pip's record; elsewhere DuckDB checks its signature."""
    for name in names:
        con.execute(f"LOAD '{verified_extension(name)}'")


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


def _attach_sql(catalog: str, settings: Settings, read_only: bool) -> str:
    options = ["READ_ONLY"] if read_only else [f"DATA_PATH '{settings.lake_data_path}'", "DATA_INLINING_ROW_LIMIT 0"]
    return f"ATTACH 'ducklake:{catalog}' AS lake ({', '.join(options)})"


def _extensions_for(settings: Settings) -> tuple[str, ...]:
    catalog = ("ducklake", "postgres") if settings.catalog_uri.startswith("postgres:") else ("ducklake",)
    return catalog + object_store.extensions(settings.data_url)


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
def writer_lock(settings: Settings, timeout: float = -1) -> Iterator[None]:
    """The lake lock, for anything that writes the catalog (also dbt's subprocess and purge); on release,
    readers get the state it left. `timeout` 0: raise LakeBusy at once if another process holds it.

    Files written under it are the owner's alone (umask 077: DuckDB and dbt create Parquet files with the
    process umask), in 0700 folders for the restricted zones."""
    _private_zone_folders(settings)
    lock = FileLock(str(settings.lock_file), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise LakeBusy(f"the lake is being written ({settings.lock_file} is held)") from None
    previous_umask = os.umask(0o077)
    try:
        yield
    finally:
        try:
            publish_reader_catalog(settings)
        finally:
            os.umask(previous_umask)
            lock.release()


@contextmanager
def _connection(settings: Settings, catalog: str, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(config=duckdb_config(settings))
    try:
        load_extensions(con, _extensions_for(settings))
        object_store.configure(con, settings.data_url)
        con.execute(_attach_sql(catalog, settings, read_only))
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
    with writer_lock(settings, lock_timeout), _connection(settings, settings.catalog_uri, read_only) as con:
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
    """One write transaction = one DuckLake snapshot, labelled with asset and run."""
    with lake_session(settings, lock_timeout=lock_timeout) as con:
        con.execute("BEGIN")
        try:
            commit_message(con, asset, run_id, purpose_code)
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


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
    with lake_session(settings) as con:
        create_missing_zones(con, run_id)


def table_exists(con: duckdb.DuckDBPyConnection, physical_name: str) -> bool:
    schema, table = physical_name.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake' AND schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )
