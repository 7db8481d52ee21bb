"""The export gateway: the only way data leaves the lake (governance.md §5.4, §6.2).

An export names a pilot, a registered purpose of that pilot and a reason. The gateway reads the
pilot's release, re-runs the privacy gates on exactly what it writes, writes Parquet plus a
manifest, and appends one access-log row, for refusals too.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from catalog.contracts import get_contract
from catalog.registry import pilots, purposes
from orchestration.lake import lake_session, lake_write, table_exists
from orchestration.settings import Settings
from quality.privacy_gates import release_gates

ACCESS_LOG = "lake.audit.access_log"
PROCESSING_RECORDS = "lake.audit.processing_records"
PROCESSING_RECORDS_DDL = f"""CREATE TABLE IF NOT EXISTS {PROCESSING_RECORDS} (
    recorded_at TIMESTAMP, purpose_code VARCHAR, legal_basis VARCHAR, release VARCHAR, release_version VARCHAR,
    items VARCHAR, recipients VARCHAR, processing_period VARCHAR, destination VARCHAR, rights_note VARCHAR)"""
# Decree Art. 29-5(2) processing records also note that some data-subject rights do not apply (Art. 28-7).
RIGHTS_NOTE = "개인정보 보호법 제28조의7: 가명정보에는 제20조, 제34조제1항, 제35조~제37조, 제39조의3 등 적용 제외"
ACCESS_LOG_DDL = f"""CREATE TABLE IF NOT EXISTS {ACCESS_LOG} (
    logged_at TIMESTAMP, account VARCHAR, host VARCHAR, action VARCHAR, pilot VARCHAR, purpose_code VARCHAR,
    datasets VARCHAR, rows BIGINT, reason VARCHAR, result VARCHAR, detail VARCHAR, destination VARCHAR)"""


class ExportRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class Requester:
    account: str
    host: str

    @classmethod
    def current(cls) -> "Requester":
        return cls(getpass.getuser(), socket.gethostname())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log_access(settings: Settings, requester: Requester, pilot: str, purpose: str, datasets: list[str],
               rows: int, reason: str, result: str, detail: str, destination: str,
               processing_record: list | None = None) -> None:
    """Append one access-log row (and, for an export, its processing record) in one snapshot.
    The product offers no way to change or delete either."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with lake_write(settings, "audit/access_log", f"export-{now:%Y%m%dT%H%M%S}", purpose) as con:
        con.execute(ACCESS_LOG_DDL)
        con.execute(
            f"INSERT INTO {ACCESS_LOG} VALUES (?, ?, ?, 'export', ?, ?, ?, ?, ?, ?, ?, ?)",
            [now, requester.account, requester.host, pilot, purpose, json.dumps(datasets), rows, reason, result,
             detail, destination],
        )
        if processing_record is not None:
            con.execute(PROCESSING_RECORDS_DDL)
            con.execute(f"INSERT INTO {PROCESSING_RECORDS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [now, *processing_record])


def _refusal(pilot_id: str, purpose: str, reason: str) -> str | None:
    pilot = pilots().get(pilot_id)
    if pilot is None:
        return f"unknown pilot {pilot_id!r}; registered pilots: {', '.join(pilots())}"
    if purpose not in purposes():
        return f"purpose {purpose!r} is not in the purpose register"
    if purpose not in pilot.purposes:
        return f"purpose {purpose!r} is not registered for pilot {pilot_id!r} (registered: {', '.join(pilot.purposes)})"
    if not reason.strip():
        return "a reason is required for every export (안전성 확보조치 기준 §8)"
    return None


def _write_table(con: duckdb.DuckDBPyConnection, physical_name: str, out: Path) -> int:
    con.execute(f"COPY (SELECT * FROM lake.{physical_name}) TO '{out}' (FORMAT parquet)")
    return con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]


def export_release(settings: Settings, pilot_id: str, purpose: str, reason: str, out_dir: Path,
                   requester: Requester | None = None) -> dict:
    requester = requester or Requester.current()
    refusal = _refusal(pilot_id, purpose, reason)
    release = get_contract(pilots()[pilot_id].release) if pilot_id in pilots() else None
    datasets = [release.id] if release else []
    if refusal is None:
        try:
            return _export(settings, release, pilot_id, purpose, reason, Path(out_dir), requester)
        except ExportRefused as exc:
            refusal = str(exc)
    log_access(settings, requester, pilot_id, purpose, datasets, 0, reason, "refused", refusal, str(out_dir))
    raise ExportRefused(refusal)


def _export(settings, release, pilot_id, purpose, reason, out_dir: Path, requester: Requester) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    tables, total = {}, 0
    with lake_session(settings, read_only=True) as con:
        for table in release.tables:
            if not table_exists(con, table.physical_name):
                raise ExportRefused(f"release table {table.physical_name} does not exist: run `lakehouse run` first")
            target = out_dir / f"{table.name}.parquet"
            rows = _write_table(con, table.physical_name, target)
            # The gates run on the written file: exactly what leaves the lake.
            gates = release_gates(con, f"read_parquet('{target}')", release, table)
            if not all(g.passed for g in gates):
                target.unlink()
                raise ExportRefused(f"{table.name} failed the privacy gates: "
                                    + "; ".join(f for g in gates for f in g.findings))
            source_contract = next(get_contract(m) for m in release.custom["release_of"]
                                   if any(t.name == table.name for t in get_contract(m).tables))
            tables[table.name] = {
                "file": target.name,
                "rows": rows,
                "sha256": _sha256(target),
                "contract": source_contract.id,
                "contract_version": source_contract.version,
                "columns": [{"name": c.name, "name_ko": c.name_ko, "type": c.physical_type, "tier": c.tier}
                            for c in table.columns],
                "privacy_gates": [g.as_dict() for g in gates],
            }
            total += rows
    manifest = {
        "pilot": pilot_id,
        "purpose": purpose,
        "purpose_ko": purposes()[purpose].purpose_ko,
        "legal_basis": purposes()[purpose].legal_basis,
        "reason": reason,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "account": requester.account,
        "host": requester.host,
        "release": {"contract": release.id, "version": release.version, "tier": release.tier,
                    "retention": release.retention},
        "tables": tables,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    record = [purpose, purposes()[purpose].legal_basis, release.id, release.version,
              json.dumps({name: [c["name"] for c in t["columns"]] for name, t in tables.items()}, ensure_ascii=False),
              json.dumps({"pilot": pilot_id, "account": requester.account}), release.retention, str(out_dir), RIGHTS_NOTE]
    log_access(settings, requester, pilot_id, purpose, [release.id, *tables], total, reason, "exported",
               "privacy gates passed", str(out_dir), processing_record=record)
    return manifest
