"""Ingest with row accounting: land the file immutably, parse, validate against the contract, load.

Every row read is either loaded into the raw zone or quarantined with a reason code, in one DuckLake
snapshot together with the landing record. A file already loaded (same sha256) is a no-op. A file
that cannot be parsed is kept in the landing zone, recorded as failed, and raises IngestFailed with a
message naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from catalog.contracts import Table, get_contract
from lake.session import ensure_zones, lake_session, lake_write
from lake.settings import Settings
from transforms.encoding import EncodingError, decode_to_utf8
from transforms.records import ROW_NUMBER, ParseError, SchemaMismatch, map_to_contract, validate
from transforms.sources import get_source

LANDING_TABLE = "lake.landing.files"
META_COLUMNS = {"_landing_sha256": "VARCHAR", ROW_NUMBER: "BIGINT", "_loaded_at": "TIMESTAMP"}


class IngestFailed(RuntimeError):
    pass


@dataclass
class IngestResult:
    source: str
    file: str
    sha256: str
    rows: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    status: str = "loaded"  # loaded | already_loaded | failed
    encoding: str = ""
    landing_path: str = ""
    unmapped_fields: list[str] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict:
        keys = ("source", "file", "sha256", "rows", "loaded", "quarantined", "reasons", "status")
        return {k: v for k, v in asdict(self).items() if k in keys}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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
    con.execute(raw_table_ddl(get_contract(source_id).table))
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {quarantine_table(source_id)} (
            _landing_sha256 VARCHAR, {ROW_NUMBER} BIGINT, reason_code VARCHAR, reason_detail VARCHAR,
            record VARCHAR, _quarantined_at TIMESTAMP)"""
    )


def _already_loaded(settings: Settings, source_id: str, digest: str) -> IngestResult | None:
    with lake_session(settings, read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name='lake' AND schema_name='landing' AND table_name='files'"
        ).fetchone()[0]
        if not exists:
            return None
        row = con.execute(
            f"SELECT original_name, rows, loaded, quarantined, reasons, encoding, landing_path FROM {LANDING_TABLE} "
            "WHERE source = ? AND sha256 = ? AND status = 'loaded' LIMIT 1",
            [source_id, digest],
        ).fetchone()
    if row is None:
        return None
    name, rows, loaded, quarantined, reasons, encoding, landing_path = row
    return IngestResult(source_id, name, digest, rows, loaded, quarantined, json.loads(reasons),
                        "already_loaded", encoding, landing_path)


def land(settings: Settings, source_id: str, path: Path, digest: str) -> Path:
    """Copy into landing/<source>/<sha256>/<original name>, read-only. Same content, same place."""
    target = settings.landing_dir / source_id / digest / path.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target


def _landing_row(result: IngestResult, received_at: datetime, size: int, run_id: str) -> list:
    return [result.source, result.sha256, result.file, result.landing_path, received_at, result.encoding,
            size, result.status, result.rows, result.loaded, result.quarantined,
            json.dumps(result.reasons, ensure_ascii=False), result.error, run_id]


def _record_landing(con: duckdb.DuckDBPyConnection, row: list) -> None:
    con.execute(f"INSERT INTO {LANDING_TABLE} VALUES ({', '.join('?' * len(row))})", row)


def ingest_file(settings: Settings, source_id: str, path: Path, run_id: str) -> IngestResult:
    source = get_source(source_id)
    contract = get_contract(source_id)
    path = Path(path)
    if not path.is_file():
        raise IngestFailed(f"{path}: no such file")
    digest = sha256_of(path)
    ensure_zones(settings, run_id)
    previous = _already_loaded(settings, source_id, digest)
    if previous:
        return previous
    landed = land(settings, source_id, path, digest)
    received_at = datetime.now(timezone.utc).replace(tzinfo=None)
    result = IngestResult(source_id, path.name, digest, landing_path=str(landed))
    asset = contract.table.physical_name.replace(".", "/")
    try:
        if not source.accepts(path):
            raise ParseError(f"{path.name}: {source_id} accepts {', '.join(source.suffixes)} files")
        with tempfile.TemporaryDirectory() as tmp:
            if source.is_binary(path):
                result.encoding, text = "binary", landed
            else:
                result.encoding, text = decode_to_utf8(landed, Path(tmp) / "utf8")
            mapped = map_to_contract(source.parse(text, path.name), contract.table, path.name)
        checked = validate(mapped.frame, contract.table)
    except (EncodingError, ParseError, SchemaMismatch) as exc:
        result.status, result.error = "failed", str(exc)
        with lake_write(settings, asset, run_id, contract.custom["purpose_code"]) as con:
            ensure_ingest_tables(con, source_id)
            _record_landing(con, _landing_row(result, received_at, path.stat().st_size, run_id))
        raise IngestFailed(f"{path}: {exc}") from exc
    result.rows = mapped.frame.height
    result.loaded, result.quarantined = checked.loaded.height, checked.quarantined.height
    result.reasons, result.unmapped_fields = checked.reasons, mapped.unmapped_fields
    assert result.rows == result.loaded + result.quarantined, "row accounting broke"
    loaded = checked.loaded.with_columns(_landing_sha256=pl.lit(digest), _loaded_at=pl.lit(received_at))
    quarantined = checked.quarantined.with_columns(_landing_sha256=pl.lit(digest), _quarantined_at=pl.lit(received_at))
    with lake_write(settings, asset, run_id, contract.custom["purpose_code"]) as con:
        ensure_ingest_tables(con, source_id)
        con.register("loaded_rows", loaded.to_arrow())
        con.execute(f"INSERT INTO lake.{contract.table.physical_name} BY NAME SELECT * FROM loaded_rows")
        con.register("quarantined_rows", quarantined.to_arrow())
        con.execute(f"INSERT INTO {quarantine_table(source_id)} BY NAME SELECT * FROM quarantined_rows")
        _record_landing(con, _landing_row(result, received_at, path.stat().st_size, run_id))
    return result


def inbox_files(inbox: Path, source_id: str) -> list[Path]:
    """The files waiting for a source: <inbox>/<source id>/*, in name order."""
    folder = inbox / source_id
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
