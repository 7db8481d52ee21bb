"""Verified destruction of pseudonymized data whose processing period has ended (governance.md §7).

A DuckLake `DELETE` only masks rows: the Parquet file, inlined catalog rows and every older snapshot
still hold them. `purge` therefore runs the verified sequence — delete, flush inlined data, rewrite
every file with deletes, expire snapshots, clean up old and orphaned files, checkpoint the catalog —
and then proves the result: it scans every Parquet file under the data path (on local disk, or listed
from object storage when LAKEHOUSE_DATA_URL is set), every table of the
catalog database (inlined data, column statistics, commit messages) and every snapshot still reachable
by time travel for the destroyed rows and pseudonyms, confirms the expired snapshots are unreachable,
and writes a destruction record (파기 기록). A finding fails the purge. A purged table that is also published
as Iceberg is republished, its other snapshots expired and its unreferenced files deleted, then verified
the same way (governance/iceberg_retention.py).

Which data: every staging, mart or release table whose contract has a `*_pseudonym` column. Its
retention is the contract's `slaProperties` retention; the clock is the column the retention names as
`element` or else the table's first DATE/TIMESTAMP column. `subjects` destroys named pseudonyms
whatever their age (Art. 28-5: identifiable data that arises must be destroyed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from catalog.yaml_files import read_yaml
from catalog.contracts import Contract, load_contracts
from governance.audit import access_log_head, now
from governance.iceberg_retention import purge_iceberg
from lake.catalog_backend import catalog_extensions, connect, conninfo, hide_secrets, is_postgres, masked_catalog
from lake.catalog_backend import retry_conflicts
from lake.object_store import store_for
from lake.session import (commit_message, duckdb_config, lake_session, lake_write_retrying, load_extensions,
                          table_exists, writer_lock)
from lake.settings import Settings

DESTRUCTION_RECORDS = "lake.audit.destruction_records"
DESTRUCTION_RECORDS_DDL = f"""CREATE TABLE IF NOT EXISTS {DESTRUCTION_RECORDS} (
    recorded_at TIMESTAMP, operator VARCHAR, host VARCHAR, scope VARCHAR, rows_destroyed BIGINT,
    pseudonyms_destroyed BIGINT, pseudonyms_sha256 VARCHAR, method VARCHAR, verification VARCHAR, result VARCHAR,
    access_log_head VARCHAR, note VARCHAR)"""
PURGED_LAYERS = ("staging", "mart", "release")
CLOCK_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
UNITS = {"d": "DAY", "day": "DAY", "days": "DAY", "w": "WEEK", "week": "WEEK", "weeks": "WEEK",
         "m": "MONTH", "month": "MONTH", "months": "MONTH", "y": "YEAR", "year": "YEAR", "years": "YEAR"}
METHOD = ("DELETE; ducklake_flush_inlined_data; ducklake_rewrite_data_files(delete_threshold => 0); "
          "ducklake_expire_snapshots(older_than => now()); ducklake_cleanup_old_files(cleanup_all => true); "
          "ducklake_delete_orphaned_files(cleanup_all => true); ")
CATALOG_METHOD = {"embedded": "catalog rewritten into a fresh file, old file zeroed",
                  "postgres": "VACUUM FULL of every catalog table (dead row versions rewritten away)"}
ICEBERG_METHOD = "Iceberg copies republished, other snapshots expired, unreferenced files deleted"
NOTE = ("Backups of the data path and of the catalog (inlined data lives there) and the purpose's vault keys and "
        "maps must be destroyed per the runbook (governance.md §7 step 8); not automated here.")


class PurgeFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PurgeTarget:
    contract: str
    physical_name: str
    pseudonym_columns: tuple[str, ...]
    clock: str
    retention: str  # "3 y"
    purpose_code: str

    @property
    def interval(self) -> str:
        match = re.fullmatch(r"\s*(\d+)\s*([a-z]+)\s*", self.retention.lower())
        if not match or match.group(2) not in UNITS:
            raise PurgeFailed(f"{self.contract}: cannot read retention {self.retention!r}")
        return f"INTERVAL {int(match.group(1))} {UNITS[match.group(2)]}"

    def predicate(self, as_of: date | None) -> str:
        """Rows to destroy: named subjects (temp table purge_subjects) or rows past the processing period."""
        if as_of is None:
            return " OR ".join(f'"{c}" IN (SELECT v FROM purge_subjects)' for c in self.pseudonym_columns)
        return f'"{self.clock}" < DATE \'{as_of.isoformat()}\' - {self.interval}'


def _retention_element(contract: Contract) -> str | None:
    """The column named by the retention SLA's ODCS `element` (`table.column` or `column`), if any."""
    if contract.path is None:
        return None
    doc = read_yaml(contract.path)
    for sla in doc.get("slaProperties") or []:
        if sla.get("property") == "retention" and sla.get("element"):
            return str(sla["element"]).split(",")[0].strip().split(".")[-1]
    return None


def purge_targets(purpose: str | None = None) -> list[PurgeTarget]:
    targets = []
    for contract in load_contracts().values():
        if contract.layer not in PURGED_LAYERS or (purpose and contract.custom.get("purpose_code") != purpose):
            continue
        for table in contract.tables:
            pseudonyms = tuple(c.name for c in table.columns if c.name.endswith("_pseudonym"))
            if not pseudonyms:
                continue
            clock = _retention_element(contract) or next(
                (c.name for c in table.columns if c.physical_type in CLOCK_TYPES), "")
            targets.append(PurgeTarget(contract.id, table.physical_name, pseudonyms, clock, contract.retention,
                                       str(contract.custom.get("purpose_code", ""))))
    return targets


@dataclass
class Verification:
    parquet_files_scanned: int = 0
    backend: str = ""  # which catalog was checked: the embedded DuckDB file, or PostgreSQL (masked URL)
    catalog_tables_scanned: int = 0
    data_files_listed: int = 0  # ducklake_list_files of every purged table: each must be among those scanned
    inlined_tables_scanned: int = 0
    snapshots_checked: int = 0
    expired_snapshots_unreachable: int = 0
    iceberg: dict = field(default_factory=dict)  # governance/iceberg_retention.py: republished, expired, cleaned
    findings: list[str] = field(default_factory=list)


def _temp_values(con: duckdb.DuckDBPyConnection, name: str, values: list[str]) -> None:
    con.execute(f"CREATE TEMP TABLE {name} (v VARCHAR)")
    if values:
        con.executemany(f"INSERT INTO {name} VALUES (?)", [[v] for v in values])


def _varchar_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [n for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if t == "VARCHAR"]


def _hits(con: duckdb.DuckDBPyConnection, relation: str, where: str = "") -> int:
    """Rows of `relation` holding a destroyed value (temp table purged_values) or matching `where`."""
    conditions = [f'"{c}" IN (SELECT v FROM purged_values)' for c in _varchar_columns(con, relation)]
    if where:
        conditions.append(f"({where})")
    if not conditions:
        return 0
    return con.execute(f"SELECT count(*) FROM {relation} WHERE {' OR '.join(conditions)}").fetchone()[0]


def _has_columns(con, relation: str, target: PurgeTarget, as_of: date | None) -> bool:
    names = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    needed = set(target.pseudonym_columns) | ({target.clock} if as_of else set())
    return needed <= names


def _as_text(con: duckdb.DuckDBPyConnection, relation: str, clock: str = "") -> str:
    """`relation` as the scan compares it: a PostgreSQL catalog keeps inlined strings as bytes (BLOB) and
    other inlined values as text, so BLOBs are decoded to text and the clock read as a timestamp."""
    types = {n: t for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    replaced = [f'TRY(decode("{n}")) AS "{n}"' for n, t in types.items() if t == "BLOB"]
    if clock and types.get(clock) == "VARCHAR":
        replaced.append(f'TRY_CAST("{clock}" AS TIMESTAMP) AS "{clock}"')
    return f"(SELECT * REPLACE ({', '.join(replaced)}) FROM {relation})" if replaced else relation


def find_residues(con: duckdb.DuckDBPyConnection, settings: Settings, targets: list[PurgeTarget],
                  as_of: date | None, check: Verification) -> None:
    """Look for destroyed rows and values in every Parquet file, inlined table and reachable snapshot."""
    by_dir = {t.physical_name.replace(".", "/"): t for t in targets}
    files = data_files(settings)
    scanned = set(files)
    for target in targets:  # the catalog's own list: a file outside the data path would escape the scan
        schema, table = target.physical_name.split(".")
        for (listed,) in con.execute("SELECT data_file FROM ducklake_list_files('lake', ?, schema => ?)",
                                     [table, schema]).fetchall():
            check.data_files_listed += 1
            if listed not in scanned:
                check.findings.append(f"{target.physical_name}: data file {listed} is outside the scanned data path")
    for path in files:
        relation = f"read_parquet('{path}')"
        check.parquet_files_scanned += 1
        relative = path[len(settings.lake_data_path):]
        # dbt creates a table as `<name>__dbt_tmp` and renames it: its files keep the first folder name
        target = by_dir.get(relative.rpartition("/")[0].removesuffix("__dbt_tmp"))
        where = target.predicate(as_of) if target and _has_columns(con, relation, target, as_of) else ""
        if found := _hits(con, relation, where):
            check.findings.append(f"{found} rows in {relative}")
    meta = "__ducklake_metadata_lake"
    by_name = {t.physical_name: t for t in targets}
    inlined = con.execute(f"""
        SELECT DISTINCT i.table_name, s.schema_name || '.' || t.table_name
        FROM {meta}.ducklake_inlined_data_tables i
        JOIN {meta}.ducklake_table t USING (table_id) JOIN {meta}.ducklake_schema s USING (schema_id)""").fetchall()
    for name, physical in inlined:
        check.inlined_tables_scanned += 1
        relation, target = f"{meta}.{name}", by_name.get(physical)
        relation = _as_text(con, relation, target.clock if target else "")
        where = target.predicate(as_of) if target and _has_columns(con, relation, target, as_of) else ""
        if found := _hits(con, relation, where):
            check.findings.append(f"{found} rows in inlined catalog table {name}")
    for (version,) in con.execute("SELECT snapshot_id FROM lake.snapshots() ORDER BY snapshot_id").fetchall():
        check.snapshots_checked += 1
        for target in targets:
            relation = f"lake.{target.physical_name} AT (VERSION => {version})"
            try:
                found = _hits(con, relation, target.predicate(as_of))
            except duckdb.Error:
                continue  # the table did not exist at that snapshot
            if found:
                check.findings.append(f"{found} rows in {target.physical_name} at snapshot {version} (time travel)")


def data_files(settings: Settings) -> list[str]:
    """Every Parquet file under DuckLake's data path: on local disk, or listed from object storage."""
    if store := store_for(settings.data_url):
        return [url for url in store.list(settings.lake_data_path) if url.endswith(".parquet")]
    return [str(path) for path in sorted(settings.lake_dir.rglob("*.parquet"))]


def compact_catalog(path: Path) -> None:
    """Rewrite a DuckDB-file catalog into a fresh file and zero the old one (caller holds the lake lock).

    CHECKPOINT alone leaves freed blocks holding deleted rows (measured: inlined and deleted pseudonyms
    were still in the file's bytes). On copy-on-write file systems and SSDs the zeroing cannot reach
    every physical copy: that is the storage encryption's job (governance.md §5.5)."""
    fresh = path.with_suffix(".compacting")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS old_catalog (READ_ONLY)")
        con.execute(f"ATTACH '{fresh}' AS new_catalog")
        con.execute("COPY FROM DATABASE old_catalog TO new_catalog")
        con.execute("DETACH new_catalog")
        con.execute("DETACH old_catalog")
    finally:
        con.close()
    size = path.stat().st_size
    with open(path, "r+b") as old:
        for offset in range(0, size, 1 << 20):
            old.write(bytes(min(1 << 20, size - offset)))
        old.flush()
        os.fsync(old.fileno())
    os.replace(fresh, path)


def scan_postgres_catalog(settings: Settings, values: list[str], check: Verification) -> None:
    """VACUUM FULL every table of a PostgreSQL catalog (a DELETE leaves dead row versions in its pages), then
    scan every table of the catalog database for destroyed values, through DuckDB's postgres extension."""
    uri = settings.catalog_uri
    check.backend = f"postgres ({masked_catalog(uri)})"
    pg = connect(uri, "purge vacuum")  # the caller holds the lake-wide writer lock
    try:
        with pg.cursor() as cur:  # the catalog's tables: those the lake's role created
            cur.execute("SELECT schemaname, tablename FROM pg_tables WHERE tableowner = current_user "
                        "AND schemaname NOT IN ('pg_catalog', 'information_schema')")
            tables = cur.fetchall()
            for schema, table in tables:
                cur.execute(f'VACUUM FULL "{schema}"."{table}"')
    finally:
        pg.close()
    con = duckdb.connect(config=duckdb_config(settings))
    try:
        load_extensions(con, catalog_extensions(uri))
        try:
            con.execute(f"ATTACH '{conninfo(uri)}' AS pg_catalog_db (TYPE postgres, READ_ONLY)")
        except duckdb.Error as exc:
            raise PurgeFailed(f"cannot scan the catalog: {hide_secrets(str(exc), uri)}") from None
        _temp_values(con, "purged_values", values)
        for schema, name in tables:
            check.catalog_tables_scanned += 1
            if found := _hits(con, _as_text(con, f'pg_catalog_db."{schema}"."{name}"')):
                check.findings.append(f"{found} rows in catalog table {schema}.{name}")
    finally:
        con.close()


def scan_catalog_file(settings: Settings, values: list[str], check: Verification) -> None:
    """Compact a DuckDB-file catalog, then scan every table in it and its raw bytes for destroyed values
    (a PostgreSQL catalog: `scan_postgres_catalog`)."""
    if is_postgres(settings.catalog_uri):
        scan_postgres_catalog(settings, values, check)
        return
    check.backend = "embedded (DuckDB catalog file)"
    path = Path(settings.catalog_uri)
    with writer_lock(settings):  # readers get the compacted catalog, not a copy still holding the values
        compact_catalog(path)
        con = duckdb.connect(str(path))
        try:
            _temp_values(con, "purged_values", values)
            for schema, name in con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                                            "WHERE database_name = current_database()").fetchall():
                check.catalog_tables_scanned += 1
                if found := _hits(con, f'"{schema}"."{name}"'):
                    check.findings.append(f"{found} rows in catalog table {name}")
        finally:
            con.close()
    raw = path.read_bytes()  # supplementary: freed pages; compressed pages would not show a value this way
    plain = [v for v in values if v.encode("utf-8") in raw]
    if plain:
        check.findings.append(f"{len(plain)} destroyed values still appear in the bytes of {path.name}")


def _plan(con, targets: list[PurgeTarget], as_of: date | None) -> list[tuple[PurgeTarget, int]]:
    planned = []
    for target in targets:
        if not table_exists(con, target.physical_name):
            continue
        if as_of is not None and not target.clock:
            raise PurgeFailed(f"{target.contract}: no retention clock (declare the retention SLA's element)")
        rows = con.execute(f"SELECT count(*) FROM lake.{target.physical_name} WHERE {target.predicate(as_of)}").fetchone()[0]
        planned.append((target, rows))
    return planned


def _scope(planned, as_of, subjects, purpose) -> dict:
    return {
        "mode": "subjects" if as_of is None else "retention",
        "as_of": str(as_of) if as_of else None, "purpose": purpose, "subjects": len(subjects or []),
        "tables": {t.physical_name: {"rows": rows, "retention": t.retention, "clock": t.clock,
                                     "cutoff": f"{t.clock} < {as_of} - {t.retention}" if as_of else "named subjects"}
                   for t, rows in planned},
    }


def reset_column_bounds(con: duckdb.DuckDBPyConnection, targets: list[PurgeTarget]) -> None:
    """Set the catalog's per-column min/max of each purged pseudonym column to the rows left (NULL when none).

    DuckLake widens a table's column statistics on insert and never narrows them on delete, so a table
    whose rows were all destroyed still names its first and last pseudonyms in `ducklake_table_column_stats`
    (seen on the sample: every emptied table kept both). Files' own statistics go with the files."""
    metadata = "__ducklake_metadata_lake"
    for target in targets:
        schema, table = target.physical_name.split(".")
        table_id = con.execute(
            f"SELECT t.table_id FROM {metadata}.ducklake_table t JOIN {metadata}.ducklake_schema s USING (schema_id) "
            "WHERE s.schema_name = ? AND t.table_name = ? AND t.end_snapshot IS NULL AND s.end_snapshot IS NULL",
            [schema, table]).fetchone()[0]
        for column in target.pseudonym_columns:
            low, high = con.execute(f'SELECT min("{column}"), max("{column}") FROM lake.{target.physical_name}').fetchone()
            con.execute(
                f"UPDATE {metadata}.ducklake_table_column_stats SET min_value = ?, max_value = ? WHERE table_id = ? "
                f"AND column_id IN (SELECT column_id FROM {metadata}.ducklake_column WHERE table_id = ? "
                "AND column_name = ? AND end_snapshot IS NULL)", [low, high, table_id, table_id, column])


def _destroy(con) -> list[str]:
    """The verified maintenance sequence after the DELETE (one lake-wide pass)."""
    steps = ["CALL ducklake_flush_inlined_data('lake')",
             "CALL ducklake_rewrite_data_files('lake', delete_threshold => 0)",
             "CALL ducklake_expire_snapshots('lake', older_than => now())",
             "CALL ducklake_cleanup_old_files('lake', cleanup_all => true)",
             "CALL ducklake_delete_orphaned_files('lake', cleanup_all => true)"]
    for step in steps:
        con.execute(step)
    return steps


def _delete(con, planned: list[tuple[PurgeTarget, int]], as_of: date | None, run_id: str, purpose: str | None,
            shared: bool) -> None:
    """The DELETEs, one snapshot; on a PostgreSQL catalog re-run if a writer of one of the tables (a release
    asset) committed first."""
    def attempt() -> None:
        con.execute("BEGIN")
        try:
            commit_message(con, "audit/purge", run_id, purpose or "")
            for target, _ in planned:
                con.execute(f"DELETE FROM lake.{target.physical_name} WHERE {target.predicate(as_of)}")
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise

    retry_conflicts("audit/purge", attempt) if shared else attempt()


def purge(settings: Settings, as_of: date | None = None, subjects: list[str] | None = None, purpose: str | None = None,
          operator: tuple[str, str] = ("lakehouse", "localhost"), dry_run: bool = False,
          targets: list[PurgeTarget] | None = None) -> dict:
    """Destroy rows past their processing period (as of `as_of`) or the named `subjects`; verify; record.
    On a PostgreSQL catalog the whole sequence holds the lake-wide writer lock (no dbt build rewrites a
    table meanwhile), as the embedded lake's session holds its file lock."""
    if (as_of is None) == (not subjects):
        raise ValueError("give either as_of (retention) or subjects, not both")
    exclusive = writer_lock(settings) if is_postgres(settings.catalog_uri) else contextlib.nullcontext()
    with exclusive:
        return _purge(settings, as_of, subjects, purpose, operator, dry_run, targets)


def _purge(settings: Settings, as_of: date | None, subjects: list[str] | None, purpose: str | None,
           operator: tuple[str, str], dry_run: bool, targets: list[PurgeTarget] | None) -> dict:
    targets = targets if targets is not None else purge_targets(purpose)
    run_id = f"purge-{now():%Y%m%dT%H%M%S}"
    check = Verification()
    with lake_session(settings) as con:
        _temp_values(con, "purge_subjects", subjects or [])
        planned = _plan(con, targets, as_of)
        scope = _scope(planned, as_of, subjects, purpose)
        total = sum(rows for _, rows in planned)
        if dry_run or total == 0:
            return {"scope": scope, "rows_destroyed": 0, "result": "dry_run" if dry_run else "nothing_to_purge"}
        con.execute("CREATE TEMP TABLE purged_values (v VARCHAR)")
        for target, _ in planned:
            for column in target.pseudonym_columns:
                con.execute(f'INSERT INTO purged_values SELECT DISTINCT "{column}" FROM lake.{target.physical_name} '
                            f"WHERE {target.predicate(as_of)}")
        _delete(con, planned, as_of, run_id, purpose, is_postgres(settings.catalog_uri))
        # A pseudonym with rows still inside their period stays: only wholly destroyed ones are searched for.
        for target, _ in planned:
            for column in target.pseudonym_columns:
                con.execute(f'DELETE FROM purged_values WHERE v IN (SELECT "{column}" FROM lake.{target.physical_name})')
        values = sorted({v for (v,) in con.execute("SELECT DISTINCT v FROM purged_values WHERE v IS NOT NULL").fetchall()})
        before = [v for (v,) in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()]
        _destroy(con)
        reset_column_bounds(con, [t for t, _ in planned])
        find_residues(con, settings, [t for t, _ in planned], as_of, check)
        after = {v for (v,) in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()}
        probe = planned[0][0].physical_name
        for version in (v for v in before if v not in after):
            try:
                con.execute(f"SELECT count(*) FROM lake.{probe} AT (VERSION => {version})").fetchall()
                check.findings.append(f"expired snapshot {version} is still reachable by time travel")
            except duckdb.Error:
                check.expired_snapshots_unreachable += 1
        check.iceberg = purge_iceberg(settings, con, [t.physical_name for t, _ in planned], set(values), run_id)
        check.findings += check.iceberg.pop("findings")
    scan_catalog_file(settings, values, check)
    method = METHOD + CATALOG_METHOD["postgres" if is_postgres(settings.catalog_uri) else "embedded"] + "; " + ICEBERG_METHOD
    head = access_log_head(settings)
    record = {
        "recorded_at": now(),
        "operator": operator[0], "host": operator[1], "scope": scope, "rows_destroyed": total,
        "pseudonyms_destroyed": len(values),
        # A digest, never the pseudonyms: keeping them would defeat the destruction.
        "pseudonyms_sha256": hashlib.sha256("\n".join(values).encode("utf-8")).hexdigest(),
        "method": method, "verification": check.__dict__, "result": "failed" if check.findings else "verified",
        "access_log_head": f"{head.head_seq}:{head.head_hash}", "note": NOTE,
    }
    def write_record(con) -> None:
        con.execute(DESTRUCTION_RECORDS_DDL)
        con.execute(f"INSERT INTO {DESTRUCTION_RECORDS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [record["recorded_at"], record["operator"], record["host"], json.dumps(scope, ensure_ascii=False),
                     total, len(values), record["pseudonyms_sha256"], method, json.dumps(check.__dict__, ensure_ascii=False),
                     record["result"], record["access_log_head"], NOTE])

    lake_write_retrying(settings, "audit/destruction_records", run_id, write_record, purpose or "")
    if check.findings:
        raise PurgeFailed("destruction not verified: " + "; ".join(check.findings))
    return record
