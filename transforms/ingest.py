"""Ingest with row accounting: land the file immutably, parse, validate against the contract, load.

Every row read is either loaded into the raw zone or quarantined with a reason code. A file is landed
exactly once, whatever runs at the same time and wherever a process dies:

* the landing copy is written beside its target and renamed into place (landing.py), so a copy on disk
  is always whole; a copy without a record is simply landed again by the next ingest;
* the "already loaded?" check, the rows and the landing record are one DuckLake transaction under the
  lake lock (`lake_write`): a second ingest of the same bytes finds the first one's record there and
  returns `already_loaded`, adding nothing; a process killed before COMMIT leaves no record and no rows.

A file that cannot be parsed (or is refused as hostile: see encoding.py, archives.py and the limits in
lake/settings.py) is kept in the landing zone, recorded as failed, and raises IngestFailed with a message
naming the file and the problem. `landing.files` holds one record per (source, sha256): a failed file
that is retried replaces its record, by a new failure or by its load.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import duckdb

from catalog.contracts import Table, get_contract
from lake.files import process_scratch
from lake.pause_points import pause_point
from lake.session import create_missing_zones, lake_session, lake_write_retrying, table_exists
from lake.settings import Limits, Settings
from transforms.archives import check_zip
from transforms.encoding import EncodingError, decode_to_utf8
from transforms.file_check import CheckedFile, check_file, slices
from transforms.landing import LandingFailed, land_copy, sha256_of
from transforms.records import ROW_NUMBER, ParseError, SchemaMismatch
from transforms.source import Source
from transforms.sources import get_source

LANDING_TABLE = "lake.landing.files"
T = TypeVar("T")
META_COLUMNS = {"_landing_sha256": "VARCHAR", ROW_NUMBER: "BIGINT", "_loaded_at": "TIMESTAMP"}
UNPARSEABLE = (EncodingError, ParseError, SchemaMismatch)
LANDING_ADDED = {"records": "BIGINT", "period": "VARCHAR"}  # source rows; the reference period given to ingest
PERIOD = re.compile(r"^20\d{2}(0[1-9]|1[0-2])$")


class IngestFailed(RuntimeError):
    pass


@dataclass
class IngestResult:
    source: str
    file: str
    sha256: str
    rows: int = 0
    records: int = 0  # source rows: fewer than `rows` when a parser unpivots (a KOSIS cube's cells)
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    status: str = "loaded"  # loaded | already_loaded | failed
    encoding: str = ""
    landing_path: str = ""
    unmapped_fields: list[str] = field(default_factory=list)
    error: str = ""
    period: str | None = None  # YYYYMM given by the person ingesting, for a file whose name carries none

    def as_json(self) -> dict:
        keys = ("source", "file", "sha256", "records", "rows", "loaded", "quarantined", "reasons", "status")
        return {k: v for k, v in asdict(self).items() if k in keys}


def raw_table_ddl(table: Table) -> str:
    columns = [f'"{c.name}" {c.physical_type}' for c in table.columns]
    columns += [f"{name} {kind}" for name, kind in META_COLUMNS.items()]
    return f"CREATE TABLE IF NOT EXISTS lake.{table.physical_name} ({', '.join(columns)})"


def quarantine_table(source_id: str) -> str:
    return f"lake.quarantine.{source_id}"


def ensure_ingest_tables(con: duckdb.DuckDBPyConnection, source_id: str) -> None:
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LANDING_TABLE} (
            source VARCHAR, sha256 VARCHAR, original_name VARCHAR, landing_path VARCHAR,
            received_at TIMESTAMP, encoding VARCHAR, size_bytes BIGINT, status VARCHAR,
            rows BIGINT, loaded BIGINT, quarantined BIGINT, reasons VARCHAR, error VARCHAR, run_id VARCHAR)"""
    )
    for column, kind in LANDING_ADDED.items():  # lakes landed before these columns existed gain them
        con.execute(f"ALTER TABLE {LANDING_TABLE} ADD COLUMN IF NOT EXISTS {column} {kind}")
    con.execute(raw_table_ddl(get_contract(source_id).table))
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {quarantine_table(source_id)} (
            _landing_sha256 VARCHAR, {ROW_NUMBER} BIGINT, reason_code VARCHAR, reason_detail VARCHAR,
            record VARCHAR, _quarantined_at TIMESTAMP)"""
    )


def _stored(source_id: str, digest: str, row: tuple) -> IngestResult:
    name, rows, records, loaded, quarantined, reasons, encoding, landing_path, period = row
    return IngestResult(source_id, name, digest, rows=rows, records=records, loaded=loaded, quarantined=quarantined,
                        reasons=json.loads(reasons), status="already_loaded", encoding=encoding,
                        landing_path=landing_path, period=period)


_RECORD = ("original_name, rows, coalesce(records, rows), loaded, quarantined, reasons, encoding, landing_path, "
           "period")


def loaded_record(con: duckdb.DuckDBPyConnection, source_id: str, digest: str) -> IngestResult | None:
    """The load already recorded for these bytes, as an `already_loaded` result."""
    row = con.execute(
        f"SELECT {_RECORD} FROM {LANDING_TABLE} WHERE source = ? AND sha256 = ? AND status = 'loaded' "
        "ORDER BY received_at LIMIT 1",
        [source_id, digest],
    ).fetchone()
    return None if row is None else _stored(source_id, digest, row)


def _zones_and_earlier_loads(settings: Settings, source_id: str, digests: list[str], run_id: str) -> dict[str, IngestResult]:
    """One session before copying anything: the zones in place, and the loads already recorded for these
    bytes, by sha256 (each file's write transaction asks again under the lock)."""
    with lake_session(settings) as con:
        create_missing_zones(con, run_id)
        if not digests or not table_exists(con, "landing.files"):
            return {}
        rows = con.execute(
            f"SELECT sha256, {_RECORD} FROM {LANDING_TABLE} WHERE source = ? AND list_contains(?, sha256) "
            "AND status = 'loaded' QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY received_at) = 1",
            [source_id, digests],
        ).fetchall()
    return {row[0]: _stored(source_id, row[0], row[1:]) for row in rows}


def _landing_row(result: IngestResult, received_at: datetime, size: int, run_id: str) -> dict:
    return {"source": result.source, "sha256": result.sha256, "original_name": result.file,
            "landing_path": result.landing_path, "received_at": received_at, "encoding": result.encoding,
            "size_bytes": size, "status": result.status, "rows": result.rows, "records": result.records,
            "loaded": result.loaded, "quarantined": result.quarantined,
            "reasons": json.dumps(result.reasons, ensure_ascii=False), "error": result.error, "run_id": run_id,
            "period": result.period}


def _replace_landing_record(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """One record per (source, sha256): an earlier failure of the same bytes gives way."""
    con.execute(f"DELETE FROM {LANDING_TABLE} WHERE source = ? AND sha256 = ? AND status = 'failed'",
                [row["source"], row["sha256"]])
    con.execute(f"INSERT INTO {LANDING_TABLE} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _check_shape(source: Source, landed: Path, name: str, limits: Limits) -> None:
    """What is refused before any parser reads the file."""
    if not source.accepts(Path(name)):
        raise ParseError(f"{name}: {source.id} accepts {', '.join(source.suffixes)} files")
    if landed.stat().st_size == 0:
        raise ParseError(f"{name}: empty file (0 bytes)")
    if source.is_binary(Path(name)) and zipfile.is_zipfile(landed):  # .zip and .xlsx are ZIP containers
        check_zip(landed, name, limits)


def check_rows(source_id: str, path: Path, work: Path, limits: Limits, name: str | None = None,
               period: str | None = None) -> tuple[str, CheckedFile]:
    """(encoding, the checked rows spooled under `work`) of the file at `path` called `name`: refused shapes,
    decoding, then parse, map and validate batch by batch. Everything ingest does short of the lake."""
    source, table, name = get_source(source_id), get_contract(source_id).table, name or Path(path).name
    _check_shape(source, path, name, limits)
    if source.is_binary(Path(name)):
        encoding, text = "binary", path
    else:
        encoding, text = decode_to_utf8(path, work / "utf8", limits.max_line_bytes)
    options: dict[str, object] = {"period": period} if period else {}
    if source.unpacks:
        options["work"] = work
    parsed = source.parse(text, name, **options)
    return encoding, check_file(slices(parsed, limits.max_batch_rows), table, name, work / "spool")


def _refuse_oversized(path: Path, settings: Settings) -> None:
    size, limit = path.stat().st_size, settings.limits.max_file_bytes
    if size > limit:
        raise ParseError(f"{path.name}: {size} bytes, over the limit of {limit} (LAKEHOUSE_MAX_FILE_BYTES); not landed")


def _lake_write(settings: Settings, source_id: str, run_id: str, write: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """`write(con)` in the write transaction of a source's raw asset, labelled with it and the run; on a
    PostgreSQL catalog run again from its start when it loses a conflict (every source's ingest also writes
    `landing.files`, under its own source's lock)."""
    contract = get_contract(source_id)
    return lake_write_retrying(settings, contract.table.physical_name.replace(".", "/"), run_id, write,
                               contract.custom["purpose_code"])


def _store_failure(settings: Settings, result: IngestResult, received_at: datetime, size: int,
                   run_id: str) -> IngestResult | None:
    """Record the failed file (replacing an earlier failure of the same bytes); None, or the load another
    process recorded for these bytes meanwhile."""
    def write(con: duckdb.DuckDBPyConnection) -> IngestResult | None:
        ensure_ingest_tables(con, result.source)
        if stored := loaded_record(con, result.source, result.sha256):
            return stored
        _replace_landing_record(con, _landing_row(result, received_at, size, run_id))
        return None

    return _lake_write(settings, result.source, run_id, write)


def _store_load(settings: Settings, result: IngestResult, checked: CheckedFile, received_at: datetime, size: int,
                run_id: str) -> IngestResult:
    """Rows, quarantine and landing record in one snapshot, unless these bytes are already loaded."""
    table = get_contract(result.source).table
    stamp = "?::VARCHAR AS _landing_sha256, ?::TIMESTAMP"
    def write(con: duckdb.DuckDBPyConnection) -> IngestResult:
        ensure_ingest_tables(con, result.source)
        if stored := loaded_record(con, result.source, result.sha256):  # the lock's second holder adds nothing
            return stored
        con.execute(f"INSERT INTO lake.{table.physical_name} BY NAME SELECT *, {stamp} AS _loaded_at "
                    f"FROM {checked.loaded_rows}", [result.sha256, received_at])
        con.execute(f"INSERT INTO {quarantine_table(result.source)} BY NAME SELECT *, {stamp} AS _quarantined_at "
                    f"FROM read_parquet('{checked.quarantined_path}')", [result.sha256, received_at])
        _replace_landing_record(con, _landing_row(result, received_at, size, run_id))
        pause_point("ingest:before_commit")
        return result

    stored = _lake_write(settings, result.source, run_id, write)
    pause_point("ingest:committed")
    return stored


def _land_and_load(settings: Settings, source: Source, path: Path, result: IngestResult, run_id: str) -> IngestResult:
    received_at = datetime.now(timezone.utc).replace(tzinfo=None)
    size = path.stat().st_size
    # inside the private data folder, not /tmp: it holds rows as delivered, and outlives a killed process
    with process_scratch(settings.spill_dir / "ingest", source.id) as work:
        try:
            _refuse_oversized(path, settings)
            result.landing_path, landed = land_copy(settings, source.id, path, result.sha256, Path(work))
            pause_point("ingest:landed")
            result.encoding, checked = check_rows(source.id, landed, Path(work), settings.limits,
                                                  path.name, result.period)
        except UNPARSEABLE as exc:
            result.status, result.error = "failed", str(exc)
            if stored := _store_failure(settings, result, received_at, size, run_id):
                return stored
            raise IngestFailed(f"{path}: {exc}") from exc
        result.rows, result.records = checked.rows, checked.records
        result.loaded, result.quarantined = checked.loaded, checked.quarantined
        result.reasons, result.unmapped_fields = checked.reasons, checked.unmapped_fields
        return _store_load(settings, result, checked, received_at, size, run_id)


def _refuse_period(source: Source, period: str | None) -> None:
    if period is None:
        return
    if not source.takes_period:
        raise IngestFailed(f"{source.id} takes no --period: its files carry their own reference period")
    if not PERIOD.match(period):
        raise IngestFailed(f"--period {period!r}: expected YYYYMM, e.g. 202606")


def ingest_files(settings: Settings, source_id: str, paths: list[Path], run_id: str,
                 period: str | None = None) -> Iterator[tuple[Path, IngestResult | IngestFailed]]:
    """Land and load each file, one transaction per file: (path, its result, or the IngestFailed that names
    the file and the problem). The loads already recorded for these bytes are read in one lake session for
    all of them; `period` (YYYYMM) is the reference period of files whose names have none, for sources that
    take one (`Source.takes_period`)."""
    source = get_source(source_id)
    _refuse_period(source, period)
    digests: dict[Path, str] = {}
    for path in map(Path, paths):
        if not path.is_file():
            yield path, IngestFailed(f"{path}: no such file")
            continue
        digests[path] = sha256_of(path)
    previous = _zones_and_earlier_loads(settings, source_id, list(digests.values()), run_id)
    for path, digest in digests.items():
        if digest in previous:
            yield path, previous[digest]
            continue
        pause_point("ingest:hashed")
        try:
            result = _land_and_load(settings, source, path, IngestResult(source_id, path.name, digest, period=period), run_id)
        except IngestFailed as exc:
            yield path, exc
        except (LandingFailed, duckdb.IOException) as exc:  # a full disk, most likely: any transaction rolled back
            failed = IngestFailed(f"{path}: {exc}; nothing recorded, the file stays in the inbox")
            failed.__cause__ = exc
            yield path, failed
        else:
            if result.status == "loaded":  # the same bytes again under another name in this batch
                previous[digest] = replace(result, status="already_loaded")
            yield path, result


def ingest_file(settings: Settings, source_id: str, path: Path, run_id: str, period: str | None = None) -> IngestResult:
    """Land and load one file (ingest_files); raises IngestFailed."""
    [(_, outcome)] = ingest_files(settings, source_id, [Path(path)], run_id, period)
    if isinstance(outcome, IngestFailed):
        raise outcome
    return outcome
