"""The export gateway: the only way data leaves the lake (governance.md §5.4, §6.2).

Two paths, both bound to a data-use agreement (catalog/agreements.yaml) and both access-logged,
refusals included:

- `export_release`: a pilot's pseudonymized/aggregate release. The gateway checks the pilot, the
  purpose and the agreement (valid on the day, tables and columns allowed), re-runs the privacy gates
  on exactly what it writes, writes Parquet plus a manifest and appends a processing record.
- `export_operational`: identified data for the people who must reach a specific person (the
  well-being call feed). Not pseudonymized use: it needs an operational agreement whose purpose names
  the legal basis, and a role that agreement allows. It reads the restricted raw zone directly and is
  never materialized in the lake, so no mart, release or analyst database can contain it.

Every file written (Parquet, manifest) is 0600 in a 0700 folder whatever the umask (`lake.files`), and the
day an agreement is judged on comes from governance's one clock (`governance.audit.today`) unless given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, timezone
from pathlib import Path

import duckdb

from catalog.contracts import get_contract
from catalog.registry import Agreement, agreements, pilots, purposes
from governance.audit import AccessEntry, Requester, log_access, now, today
from lake.files import make_private, private_dir, write_private
from lake.session import lake_session, table_exists
from lake.settings import Settings
from quality.privacy_gates import release_gates

PROCESSING_RECORDS = "lake.audit.processing_records"
PROCESSING_RECORDS_DDL = f"""CREATE TABLE IF NOT EXISTS {PROCESSING_RECORDS} (
    recorded_at TIMESTAMP, purpose_code VARCHAR, legal_basis VARCHAR, release VARCHAR, release_version VARCHAR,
    items VARCHAR, recipients VARCHAR, processing_period VARCHAR, destination VARCHAR, rights_note VARCHAR)"""
# Decree Art. 29-5(2) processing records also note that some data-subject rights do not apply (Art. 28-7).
RIGHTS_NOTE = "개인정보 보호법 제28조의7: 가명정보에는 제20조, 제34조제1항, 제35조~제37조, 제39조의3 등 적용 제외"
OPERATIONAL_FEED = "wellbeing_call_feed"
REASON_REQUIRED = "a reason is required for every export (안전성 확보조치 기준 §8)"


class ExportRefused(RuntimeError):
    pass


def _exported_at() -> str:
    return now().replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_agreement(pilot_id: str, purpose: str, kind: str, on: date) -> Agreement:
    """The agreement that covers pilot (or any pilot, for operational use) and purpose on `on`, or a clear refusal."""
    candidates = [a for a in agreements().values() if a.kind == kind and (kind == "operational" or a.pilot == pilot_id)]
    if not candidates:
        raise ExportRefused(f"no {kind} data-use agreement for pilot {pilot_id!r} (catalog/agreements.yaml)")
    for_purpose = [a for a in candidates if a.purpose_code == purpose]
    if not for_purpose:
        covered = ", ".join(f"{a.id}: {a.purpose_code}" for a in candidates)
        raise ExportRefused(f"purpose {purpose!r} does not match the {kind} agreement(s) ({covered})")
    valid = [a for a in for_purpose if a.valid_on(on)]
    if not valid:
        raise ExportRefused(_not_valid(for_purpose, on))
    return max(valid, key=lambda a: a.valid_from)


def _not_valid(candidates: list[Agreement], on: date) -> str:
    """Which agreements ended (and when) or have not started: a renewal is a new agreement, never an edit."""
    state = "expired" if any(a.valid_to < on for a in candidates) else "not yet valid"
    periods = "; ".join(f"{a.id} ended on {a.valid_to}" if a.valid_to < on else f"{a.id} starts on {a.valid_from}"
                        for a in candidates)
    return f"agreement {state} on {on}: {periods} (a renewal is a new agreement in catalog/agreements.yaml)"


def _allowed(agreement: Agreement, requested: dict[str, list[str]]) -> None:
    for table in requested:
        if table not in agreement.datasets:
            raise ExportRefused(f"dataset {table!r} is not allowed by agreement {agreement.id} "
                                f"(allowed: {', '.join(agreement.datasets)})")
    for table, columns in requested.items():
        extra = [c for c in columns if c not in agreement.datasets[table]]
        if extra:
            raise ExportRefused(f"column(s) {', '.join(extra)} of {table!r} are not allowed by agreement {agreement.id}")


def _requested(release, tables: list[str] | None, columns: list[str] | None) -> dict[str, list[str]]:
    """Tables and columns asked for; default every table of the release with every column."""
    names = {t.name: [c.name for c in t.columns] for t in release.tables}
    wanted = tables or list(names)
    unknown = [t for t in wanted if t not in names]
    if unknown:
        raise ExportRefused(f"dataset(s) {', '.join(unknown)} are not in release {release.id!r} ({', '.join(names)})")
    if columns:
        missing = [c for c in columns if not any(c in names[t] for t in wanted)]
        if missing:
            raise ExportRefused(f"column(s) {', '.join(missing)} are in none of {', '.join(wanted)}")
        # `suppressed` always travels with its cells: without it a withheld NULL reads as missing data.
        return {t: [c for c in names[t] if c in columns or c == "suppressed"] for t in wanted}
    return {t: names[t] for t in wanted}


def _check_release(pilot_id: str, purpose: str, reason: str, tables, columns, on: date):
    pilot = pilots().get(pilot_id)
    if pilot is None:
        raise ExportRefused(f"unknown pilot {pilot_id!r}; registered pilots: {', '.join(pilots())}")
    if purpose not in purposes():
        raise ExportRefused(f"purpose {purpose!r} is not in the purpose register")
    if purpose not in pilot.purposes:
        raise ExportRefused(f"purpose {purpose!r} is not registered for pilot {pilot_id!r} "
                            f"(registered: {', '.join(pilot.purposes)})")
    if not reason.strip():
        raise ExportRefused(REASON_REQUIRED)
    agreement = find_agreement(pilot_id, purpose, "release", on)
    requested = _requested(get_contract(pilot.release), tables, columns)
    _allowed(agreement, requested)
    return agreement, requested


def export_release(settings: Settings, pilot_id: str, purpose: str, reason: str, out_dir: Path,
                   requester: Requester | None = None, tables: list[str] | None = None,
                   columns: list[str] | None = None, on: date | None = None) -> dict:
    requester = requester or Requester.current()
    release = get_contract(pilots()[pilot_id].release) if pilot_id in pilots() else None
    datasets = [release.id, *(tables or [])] if release else []
    agreement = None
    try:
        agreement, requested = _check_release(pilot_id, purpose, reason, tables, columns, on or today())
        return _export(settings, release, agreement, requested, pilot_id, purpose, reason, Path(out_dir), requester)
    except ExportRefused as exc:
        log_access(settings, AccessEntry(
            requester.account, requester.host, "export", pilot_id, purpose, datasets, 0, reason, "refused", str(exc),
            str(out_dir), agreement.id if agreement else "", "", purposes()[purpose].legal_basis if purpose in purposes() else ""))
        raise


def _write_table(con: duckdb.DuckDBPyConnection, query: str, out: Path) -> int:
    """COPY to Parquet in a 0700 folder, then 0600 (DuckDB creates files by the umask)."""
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    make_private(out)
    return con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]


def _quoted(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _export(settings, release, agreement, requested, pilot_id, purpose, reason, out_dir: Path, requester) -> dict:
    private_dir(out_dir)
    tables, total = {}, 0
    with lake_session(settings, read_only=True) as con:
        for table in (t for t in release.tables if t.name in requested):
            if not table_exists(con, table.physical_name):
                raise ExportRefused(f"release table {table.physical_name} does not exist: run `lakehouse run` first")
            target = out_dir / f"{table.name}.parquet"
            rows = _write_table(con, f"SELECT {_quoted(requested[table.name])} FROM lake.{table.physical_name}", target)
            # The gates run on the written file: exactly what leaves the lake.
            written = replace(table, columns=tuple(c for c in table.columns if c.name in requested[table.name]))
            gates = release_gates(con, f"read_parquet('{target}')", release, written)
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
                            for c in table.columns if c.name in requested[table.name]],
                "privacy_gates": [g.as_dict() for g in gates],
            }
            total += rows
    manifest = {
        "pilot": pilot_id,
        "purpose": purpose,
        "purpose_ko": purposes()[purpose].purpose_ko,
        "legal_basis": purposes()[purpose].legal_basis,
        "agreement": {"id": agreement.id, "approver": agreement.approver, "valid_from": str(agreement.valid_from),
                      "valid_to": str(agreement.valid_to), "recipient": agreement.recipient},
        "reason": reason,
        "exported_at": _exported_at(),
        "account": requester.account,
        "host": requester.host,
        "release": {"contract": release.id, "version": release.version, "tier": release.tier,
                    "retention": release.retention},
        "tables": tables,
    }
    write_private(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    record = [purpose, purposes()[purpose].legal_basis, release.id, release.version,
              json.dumps({name: [c["name"] for c in t["columns"]] for name, t in tables.items()}, ensure_ascii=False),
              json.dumps({"pilot": pilot_id, "account": requester.account, "agreement": agreement.id}),
              release.retention, str(out_dir), RIGHTS_NOTE]

    def processing_record(con, now):
        con.execute(PROCESSING_RECORDS_DDL)
        con.execute(f"INSERT INTO {PROCESSING_RECORDS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [now, *record])

    log_access(settings, AccessEntry(requester.account, requester.host, "export", pilot_id, purpose,
                                     [release.id, *tables], total, reason, "exported", "privacy gates passed",
                                     str(out_dir), agreement.id, "", purposes()[purpose].legal_basis),
               also=processing_record)
    return manifest


# --- operational export (identified; issue 3 point 6) ----------------------------------------------------

def _feed_query(agreement: Agreement) -> str:
    """The current case per person (open cases only) with that person's latest call attempt."""
    cases = ", ".join(f'c."{c}"' for c in agreement.datasets["welfare_cases"])
    calls = ", ".join(f'l."{c}" AS "last_call_{c}"' for c in agreement.datasets["welfare_call_logs"])
    return f"""
        WITH cases AS (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY reference_date DESC) AS recency
            FROM lake.raw_identified.welfare_cases),
        calls AS (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY called_at DESC, attempt DESC) AS recency
            FROM lake.raw_identified.welfare_call_logs)
        SELECT {cases}, {calls}
        FROM cases c LEFT JOIN calls l ON l.person_id = c.person_id AND l.recency = 1
        WHERE c.recency = 1 AND c.case_status <> '종결'
        ORDER BY c.person_id"""


def _check_operational(purpose: str, role: str, reason: str, on: date) -> Agreement:
    if not purpose.strip():
        raise ExportRefused("an operational export must name a legal basis: give the purpose code whose "
                            "legal basis applies (e.g. WELLBEING_CALL_OPERATIONS)")
    if purpose not in purposes():
        raise ExportRefused(f"purpose {purpose!r} is not in the purpose register: no legal basis")
    agreement = find_agreement("", purpose, "operational", on)
    if not role.strip():
        raise ExportRefused(f"a role is required for operational data (allowed: {', '.join(agreement.roles)})")
    if role not in agreement.roles:
        raise ExportRefused(f"role {role!r} is not allowed by agreement {agreement.id} "
                            f"(allowed: {', '.join(agreement.roles)})")
    if not reason.strip():
        raise ExportRefused(REASON_REQUIRED)
    return agreement


def export_operational(settings: Settings, purpose: str, role: str, reason: str, out_dir: Path,
                       requester: Requester | None = None, on: date | None = None) -> dict:
    """Write the identified call feed for a named role under an operational agreement; always access-logged."""
    requester = requester or Requester.current()
    datasets = ["raw_identified.welfare_cases", "raw_identified.welfare_call_logs"]
    legal_basis = purposes()[purpose].legal_basis if purpose in purposes() else ""
    agreement = None
    try:
        agreement = _check_operational(purpose, role, reason, on or today())
        out_dir = private_dir(Path(out_dir))
        target = out_dir / f"{OPERATIONAL_FEED}.parquet"
        with lake_session(settings, read_only=True) as con:
            missing = [d for d in datasets if not table_exists(con, d)]
            if missing:
                raise ExportRefused(f"{', '.join(missing)} not loaded: run `lakehouse run` first")
            rows = _write_table(con, _feed_query(agreement), target)
        manifest = {
            "kind": "operational (identified; not pseudonymized use)",
            "purpose": purpose, "legal_basis": legal_basis, "role": role, "reason": reason,
            "agreement": {"id": agreement.id, "approver": agreement.approver, "valid_from": str(agreement.valid_from),
                          "valid_to": str(agreement.valid_to), "recipient": agreement.recipient},
            "exported_at": _exported_at(),
            "account": requester.account, "host": requester.host,
            "file": target.name, "rows": rows, "sha256": _sha256(target),
            "columns": {t: list(c) for t, c in agreement.datasets.items()},
            "handling": "restricted: do not copy into analytical systems; destroy when the call task is done",
        }
        write_private(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    except ExportRefused as exc:
        log_access(settings, AccessEntry(requester.account, requester.host, "operational_export", "ai_wellbeing_call",
                                         purpose, datasets, 0, reason, "refused", str(exc), str(out_dir),
                                         agreement.id if agreement else "", role, legal_basis))
        raise
    log_access(settings, AccessEntry(requester.account, requester.host, "operational_export", agreement.pilot, purpose,
                                     datasets, rows, reason, "exported", f"operational feed for role {role}",
                                     str(out_dir), agreement.id, role, legal_basis))
    return manifest
