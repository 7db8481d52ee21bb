"""Repair a lake that landed a file more than once (two runs racing before ingest held the lake lock
for its whole check-and-load): one landing record per (source, sha256) and that batch's rows, nothing else.

Which record stays: the earliest load, or (a file that only ever failed) its latest failure. Which rows
stay: the raw and quarantine rows of those bytes stamped with the kept record's `received_at`, as many as
it says it loaded and quarantined, first inserted first; every other row of those bytes is a copy from a
removed record. The whole repair is one DuckLake snapshot (so the removed rows stay readable by time
travel until snapshots expire), taken under the run lock so no main job is half way through.
It also deletes what killed processes leave that nothing references: Parquet files of a transaction
that never committed, and partial landing copies whose writer is dead. The staging and mart tables are
rebuilt from raw by the next `lakehouse run`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import duckdb

from catalog.contracts import get_contract
from lake.run_lock import run_lock
from lake.session import commit_message, lake_session, table_exists
from lake.settings import Settings
from transforms.ingest import LANDING_TABLE, quarantine_table
from transforms.landing import stale_partials
from transforms.run_plan import run_domains

ASSET = "landing/files"


@dataclass(frozen=True)
class LandingRecord:
    source: str
    sha256: str
    file: str
    status: str
    run_id: str
    received_at: str
    loaded: int
    quarantined: int


@dataclass
class RemovedRows:
    table: str
    sha256: str
    rows: int


@dataclass
class RepairReport:
    kept: list[LandingRecord] = field(default_factory=list)
    removed_records: list[LandingRecord] = field(default_factory=list)
    removed_rows: list[RemovedRows] = field(default_factory=list)
    # Left by killed processes, referenced by nothing: Parquet of an uncommitted transaction, partial copies.
    removed_files: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.removed_records or self.removed_rows or self.removed_files)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """What was removed, one sentence each (what `lakehouse repair` prints)."""
        verb = "would remove" if self.dry_run else "removed"
        if not self.changed:
            return ["no file is landed more than once and no file is left over: nothing to repair"]
        found = [f"{verb} landing record {r.source}/{r.file} sha256 {r.sha256[:12]}… ({r.status}, run {r.run_id}, "
                 f"received {r.received_at})" for r in self.removed_records]
        found += [f"{verb} {r.rows} rows of sha256 {r.sha256[:12]}… from {r.table}" for r in self.removed_rows]
        found += [f"{verb} unreferenced file {path}" for path in self.removed_files]
        found += [f"kept {r.source}/{r.file} sha256 {r.sha256[:12]}… ({r.status}, run {r.run_id}, received "
                  f"{r.received_at}: {r.loaded} loaded, {r.quarantined} quarantined)" for r in self.kept]
        return found


def _records(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> list[tuple[int, LandingRecord, object]]:
    """(rowid, record, received_at) of every record of these bytes, the one to keep first."""
    rows = con.execute(
        f"SELECT rowid, source, sha256, original_name, status, run_id, received_at, coalesce(loaded, 0), "
        f"coalesce(quarantined, 0) FROM {LANDING_TABLE} WHERE source = ? AND sha256 = ? "
        "ORDER BY status = 'loaded' DESC, CASE WHEN status = 'loaded' THEN epoch_us(received_at) "
        "ELSE -epoch_us(received_at) END, rowid",
        [source, sha256],
    ).fetchall()
    return [(r[0], LandingRecord(r[1], r[2], r[3], r[4], r[5] or "", str(r[6]), r[7], r[8]), r[6]) for r in rows]


def _keep_one_batch(con: duckdb.DuckDBPyConnection, table: str, stamp: str, sha256: str, received_at: object,
                    expected: int) -> int:
    """Delete every row of these bytes but the kept batch; the number deleted."""
    if not table_exists(con, table.removeprefix("lake.")):
        return 0
    return con.execute(
        f"DELETE FROM {table} WHERE _landing_sha256 = $sha AND rowid NOT IN ("
        f"SELECT rowid FROM {table} WHERE _landing_sha256 = $sha AND {stamp} = $at ORDER BY rowid LIMIT $n)",
        {"sha": sha256, "at": received_at, "n": expected},
    ).fetchone()[0]


def _repair_group(con: duckdb.DuckDBPyConnection, source: str, sha256: str, report: RepairReport) -> None:
    (_, kept, kept_at), *others = _records(con, source, sha256)
    report.kept.append(kept)
    for rowid, record, _ in others:
        con.execute(f"DELETE FROM {LANDING_TABLE} WHERE rowid = ?", [rowid])
        report.removed_records.append(record)
    loaded = kept.loaded if kept.status == "loaded" else 0
    quarantined = kept.quarantined if kept.status == "loaded" else 0
    for table, stamp, expected in (
        (f"lake.{get_contract(source).table.physical_name}", "_loaded_at", loaded),
        (quarantine_table(source), "_quarantined_at", quarantined),
    ):
        if removed := _keep_one_batch(con, table, stamp, sha256, kept_at, expected):
            report.removed_rows.append(RemovedRows(table.removeprefix("lake."), sha256, removed))


def _repair(con: duckdb.DuckDBPyConnection, report: RepairReport) -> None:
    if not table_exists(con, "landing.files"):
        return
    groups = con.execute(
        f"SELECT source, sha256 FROM {LANDING_TABLE} GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL"
    ).fetchall()
    for source, sha256 in groups:
        _repair_group(con, source, sha256, report)


def _remove_leftovers(con: duckdb.DuckDBPyConnection, settings: Settings, report: RepairReport) -> None:
    """Safe only under the lake lock: no other transaction can be writing data files meanwhile."""
    orphans = con.execute("CALL ducklake_delete_orphaned_files('lake', dry_run => ?, cleanup_all => true)",
                          [report.dry_run]).fetchall()
    partials = stale_partials(settings.landing_dir) if settings.landing_dir.exists() else []
    if not report.dry_run:
        for partial in partials:
            partial.unlink(missing_ok=True)
    report.removed_files += sorted([path for (path,) in orphans] + [str(p) for p in partials])


def repair_duplicate_landings(settings: Settings, dry_run: bool = False) -> RepairReport:
    """Keep one landing record per file and that batch's rows, drop files left by killed processes;
    report exactly what was removed (or would be, with `dry_run`)."""
    report = RepairReport(dry_run=dry_run)
    with run_lock(settings, domains=run_domains()), lake_session(settings) as con:
        con.execute("BEGIN")
        try:
            commit_message(con, ASSET, f"repair-{os.getpid()}")
            _repair(con, report)
            con.execute("ROLLBACK" if dry_run or not report.changed else "COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        _remove_leftovers(con, settings, report)
    return report
