"""The access log (접속기록, governance.md §6.2): append-only, hash-chained, verified, reviewed monthly.

Every export, operational export, analyst query and refusal appends one row through `log_access`; the
product has no other statement that touches `audit.access_log` (a test scans the code for one). Rows are chained:
`row_hash = sha256(prev_hash + canonical JSON of the row)`, so an edit or a deletion made outside the
product (plain SQL on the catalog) breaks the chain, and every retained DuckLake snapshot's copy of the
log must be a prefix of today's. Rows are never pruned: the standard asks for at least two years
(안전성 확보조치 기준 §8, sensitive data), and `purge` never touches the `audit` schema.

This module also holds governance's clock (`now`, `today`): every date an agreement, a log row or a report
is judged on comes from there, so tests move one clock (time-machine) and nothing reads the wall clock aside.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import uuid
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from lake.files import private_dir, write_private
from lake.session import LakeBusy, lake_session, lake_write, lake_write_retrying, table_exists
from lake.settings import Settings

ACCESS_LOG = "lake.audit.access_log"
RETENTION_YEARS = 2  # minimum; the product itself never deletes a row
GENESIS = "0" * 64
# (name, type) in table order; the first twelve are the original layout, the next six came with the chain,
# the last two with analyst queries (ALTER … ADD COLUMN upgrades an older log in place).
COLUMNS = (
    ("logged_at", "TIMESTAMP"), ("account", "VARCHAR"), ("host", "VARCHAR"), ("action", "VARCHAR"),
    ("pilot", "VARCHAR"), ("purpose_code", "VARCHAR"), ("datasets", "VARCHAR"), ("rows", "BIGINT"),
    ("reason", "VARCHAR"), ("result", "VARCHAR"), ("detail", "VARCHAR"), ("destination", "VARCHAR"),
    ("agreement", "VARCHAR"), ("role", "VARCHAR"), ("legal_basis", "VARCHAR"),
    ("seq", "BIGINT"), ("prev_hash", "VARCHAR"), ("row_hash", "VARCHAR"),
    ("audience", "VARCHAR"), ("query", "VARCHAR"),
)
# Added after the chain existed: hashed when the row holds a value, so rows written before them still verify.
CHAINED_WHEN_SET = ("audience", "query")
CHAINED = [name for name, _ in COLUMNS if name not in ("seq", "prev_hash", "row_hash", *CHAINED_WHEN_SET)]
EXPORT_ACTIONS = ("export", "operational_export")
QUERY = "query"

# Monthly review: what counts as unusual (documented in the report itself).
VOLUME_FACTOR = 3          # an export > 3 × the median rows of the same pilot/purpose/action …
VOLUME_BASELINE_DAYS = 180  # … over its exports in the 180 days before it,
VOLUME_BASELINE_MIN = 3     # … once there are at least 3 of them.
REFUSALS_PER_ACCOUNT = 3   # an account refused 3 or more times in the month
KST = timezone(timedelta(hours=9))
WORKING_HOURS = range(7, 22)  # an export on a weekend or outside 07:00–22:00 KST
UNUSUAL_RULES = {
    "volume": f"rows > {VOLUME_FACTOR} × median of the same pilot/purpose/action over the previous "
              f"{VOLUME_BASELINE_DAYS} days (needs {VOLUME_BASELINE_MIN} earlier exports)",
    "refusals": f"an account refused {REFUSALS_PER_ACCOUNT} or more times in the month",
    "off_hours": "an export on a weekend or outside 07:00–22:00 KST",
}


# --- the clock -------------------------------------------------------------------------------------------

def now() -> datetime:
    """Governance's clock: UTC, naive (as the access log stores it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    """Today in Seoul: the day agreements are judged on."""
    return now().replace(tzinfo=timezone.utc).astimezone(KST).date()


# --- writing ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Requester:
    """Who reads: the account (the OS account, or the name a deployment gives with `--as`) and the host."""

    account: str
    host: str
    os_account: str = ""  # recorded when `account` is a name given with --as

    @classmethod
    def current(cls, name: str | None = None) -> "Requester":
        os_account = getpass.getuser()
        return cls(name or os_account, socket.gethostname(), os_account if name and name != os_account else "")


@dataclass(frozen=True)
class AccessEntry:
    account: str
    host: str
    action: str  # export | operational_export | query
    pilot: str
    purpose_code: str
    datasets: list[str]
    rows: int  # rows exported, or rows a query returned
    reason: str
    result: str  # exported | refused (exports); answered | refused | failed (queries)
    detail: str
    destination: str
    agreement: str = ""
    role: str = ""
    legal_basis: str = ""
    audience: str = ""  # queries: the analyst audience whose database was read
    query: str = ""  # queries: the query text as given (never its result values)


def _row_hash(prev_hash: str, row: dict) -> str:
    hashed = {k: row[k] for k in CHAINED} | {k: row[k] for k in CHAINED_WHEN_SET if row.get(k) is not None}
    canonical = json.dumps(hashed, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def ensure_access_log(con: duckdb.DuckDBPyConnection) -> None:
    """Create the log, or add the columns a log created before them lacks (inside the caller's transaction)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS lake.audit")
    con.execute(f"CREATE TABLE IF NOT EXISTS {ACCESS_LOG} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
    existing = {r[0] for r in con.execute(f"DESCRIBE {ACCESS_LOG}").fetchall()}
    for name, sql_type in COLUMNS:
        if name not in existing:
            con.execute(f"ALTER TABLE {ACCESS_LOG} ADD COLUMN {name} {sql_type}")


def append_access(con: duckdb.DuckDBPyConnection, entry: AccessEntry, at: datetime) -> dict:
    """Append one chained row inside the caller's write transaction; returns the row."""
    ensure_access_log(con)
    seq, prev_hash = con.execute(
        f"SELECT coalesce(max(seq), 0), coalesce(arg_max(row_hash, seq), '{GENESIS}') FROM {ACCESS_LOG}").fetchone()
    row = {**asdict(entry), "logged_at": at, "datasets": json.dumps(entry.datasets, ensure_ascii=False)}
    row.update(seq=seq + 1, prev_hash=prev_hash, row_hash=_row_hash(prev_hash, row))
    names = [n for n, _ in COLUMNS]
    con.execute(f"INSERT INTO {ACCESS_LOG} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [row[n] for n in names])
    return row


def log_access(settings: Settings, entry: AccessEntry, also=None, at: datetime | None = None,
               spool_if_busy: bool = False) -> dict:
    """Append one access-log row in its own snapshot; `also(con, at)` adds records to the same snapshot.

    `at` (UTC, naive) is when the access happened; default now. Holds the lake lock only for the append.
    `spool_if_busy`: a reader that must not wait for a main job (an analyst query) writes the entry to the
    spool instead, durably; the next append, or the end of the main job, moves it into the chain.
    """
    at = at or now()
    def append(con) -> tuple[list[Path], dict]:
        flushed = _append_spooled(con, settings)
        row = append_access(con, entry, at)
        if also is not None:
            also(con, at)
        return flushed, row

    try:  # on a PostgreSQL catalog, re-run if `also` lost a conflict on another table (the log's own lock is held)
        flushed, row = lake_write_retrying(settings, "audit/access_log", f"{entry.action}-{at:%Y%m%dT%H%M%S}", append,
                                           entry.purpose_code, lock_timeout=0 if spool_if_busy else -1)
    except LakeBusy:
        return _spool(settings, entry, at)
    _forget(flushed)
    return row


# --- the spool: entries written while a main job held the lake -------------------------------------------

def spool_dir(settings: Settings) -> Path:
    return settings.data_dir / "audit_spool"


def _spool(settings: Settings, entry: AccessEntry, at: datetime) -> dict:
    """One private file per entry, named so that names sort by time; nothing in it but the entry."""
    folder = private_dir(spool_dir(settings))
    record = {"logged_at": at.isoformat(), "entry": asdict(entry)}
    write_private(folder / f"{at:%Y%m%dT%H%M%S%f}-{os.getpid()}-{uuid.uuid4().hex}.json",
                  json.dumps(record, ensure_ascii=False))
    return {**asdict(entry), "logged_at": at, "spooled": True}


def _append_spooled(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Path]:
    """Chain the spooled entries, oldest first, inside the caller's transaction; returns their files, to be
    deleted once it commits. An entry already in the log (a crash between commit and deletion) is skipped."""
    files = sorted(spool_dir(settings).glob("*.json")) if spool_dir(settings).exists() else []
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        entry, at = AccessEntry(**record["entry"]), datetime.fromisoformat(record["logged_at"])
        ensure_access_log(con)
        already = con.execute(f"SELECT count(*) FROM {ACCESS_LOG} WHERE logged_at = ? AND account = ? AND action = ? "
                              "AND coalesce(query, '') = ?", [at, entry.account, entry.action, entry.query]).fetchone()[0]
        if not already:
            append_access(con, entry, at)
    return files


def _forget(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def flush_access_spool(settings: Settings, wait: bool = True) -> int:
    """Move spooled entries into the chained log (the main job calls this when it ends; the audit commands
    before they read, without waiting); returns how many."""
    if not spool_dir(settings).exists() or not any(spool_dir(settings).glob("*.json")):
        return 0
    try:
        with lake_write(settings, "audit/access_log", f"spool-{now():%Y%m%dT%H%M%S}",
                        lock_timeout=-1 if wait else 0) as con:
            flushed = _append_spooled(con, settings)
    except LakeBusy:
        return 0
    _forget(flushed)
    return len(flushed)


# --- verification -----------------------------------------------------------------------------------

@dataclass
class ChainCheck:
    rows: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    unchained_rows: int = 0  # rows written before the chain existed
    snapshots_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(con: duckdb.DuckDBPyConnection, at: str = "") -> list[dict]:
    cursor = con.execute(f"SELECT * FROM {ACCESS_LOG} {at} ORDER BY seq NULLS FIRST, logged_at")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _log_snapshots(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Snapshots that changed the access log (between them its content is the same)."""
    ids = {str(r[0]) for r in con.execute(
        "SELECT t.table_id FROM __ducklake_metadata_lake.ducklake_table t JOIN __ducklake_metadata_lake.ducklake_schema s "
        "USING (schema_id) WHERE s.schema_name = 'audit' AND t.table_name = 'access_log'").fetchall()}
    changed = []
    for version, changes in con.execute("SELECT snapshot_id, changes FROM lake.snapshots() ORDER BY snapshot_id").fetchall():
        touched = {v for values in (changes or {}).values() for v in values}
        if touched & (ids | {"audit.access_log"}):
            changed.append(version)
    return changed


def verify_access_log(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Recompute the hash chain and check every retained snapshot's log is a prefix of today's."""
    check = ChainCheck()
    if not table_exists(con, "audit.access_log"):
        return check
    rows = _rows(con)
    check.rows = len(rows)
    prev = GENESIS
    for row in rows:
        if row.get("seq") is None:
            check.unchained_rows += 1
            continue
        if row["seq"] != check.head_seq + 1:
            check.problems.append(f"seq {check.head_seq + 1} is missing (next is {row['seq']}): a row was deleted")
        if row["prev_hash"] != prev or _row_hash(prev, row) != row["row_hash"]:
            check.problems.append(f"row seq {row['seq']} does not match its hash: it was edited or the chain was cut")
        prev, check.head_seq, check.head_hash = row["row_hash"], row["seq"], row["row_hash"]
    current = {r["seq"]: r["row_hash"] for r in rows if r.get("seq") is not None}
    for version in _log_snapshots(con):
        try:
            then = con.execute(f"SELECT seq, row_hash FROM {ACCESS_LOG} AT (VERSION => {version}) "
                               "WHERE seq IS NOT NULL").fetchall()
        except duckdb.Error:
            continue  # the log (or its chain columns) did not exist yet at this snapshot
        check.snapshots_checked += 1
        lost = [seq for seq, digest in then if current.get(seq) != digest]
        if lost:
            check.problems.append(f"snapshot {version} holds rows {lost[:5]} that today's log lacks or holds changed")
    return check


def access_log_head(settings: Settings) -> ChainCheck:
    with lake_session(settings, read_only=True) as con:
        return verify_access_log(con)


# --- monthly review -----------------------------------------------------------------------------------

def _month_bounds(month: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(month, "%Y-%m")
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, end


def _unusual(rows: list[dict], in_month: list[dict]) -> list[dict]:
    flags = []
    exports = [r for r in rows if r["result"] == "exported"]
    for row in (r for r in in_month if r["result"] == "exported"):
        since = row["logged_at"] - timedelta(days=VOLUME_BASELINE_DAYS)
        baseline = [r["rows"] for r in exports
                    if since <= r["logged_at"] < row["logged_at"]
                    and (r["pilot"], r["purpose_code"], r["action"]) == (row["pilot"], row["purpose_code"], row["action"])]
        if len(baseline) >= VOLUME_BASELINE_MIN and row["rows"] > VOLUME_FACTOR * statistics.median(baseline):
            flags.append({"rule": "volume", "seq": row["seq"], "account": row["account"], "logged_at": row["logged_at"],
                          "detail": f"{row['rows']} rows vs median {statistics.median(baseline):g} of {len(baseline)}"})
        local = row["logged_at"].replace(tzinfo=timezone.utc).astimezone(KST)
        if local.weekday() >= 5 or local.hour not in WORKING_HOURS:
            flags.append({"rule": "off_hours", "seq": row["seq"], "account": row["account"], "logged_at": row["logged_at"],
                          "detail": f"{local:%a %H:%M} KST"})
    refusals = Counter(r["account"] for r in in_month if r["result"] == "refused")
    for account, count in sorted(refusals.items()):
        if count >= REFUSALS_PER_ACCOUNT:
            flags.append({"rule": "refusals", "seq": None, "account": account, "logged_at": None,
                          "detail": f"{count} refusals"})
    return flags


def _destructions(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[dict]:
    if not table_exists(con, "audit.destruction_records"):
        return []
    cursor = con.execute("SELECT recorded_at, operator, scope, rows_destroyed, result FROM lake.audit.destruction_records "
                         "WHERE recorded_at >= ? AND recorded_at < ? ORDER BY recorded_at", [start, end])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _queries(in_month: list[dict]) -> list[dict]:
    """Analyst queries per account and audience: answered, refused, failed, rows returned."""
    counts: dict[tuple[str, str], dict] = defaultdict(lambda: {"answered": 0, "refused": 0, "failed": 0, "rows_returned": 0})
    for row in (r for r in in_month if r["action"] == QUERY):
        stats = counts[(row["account"], row["audience"] or "")]
        stats[row["result"]] = stats.get(row["result"], 0) + 1
        stats["rows_returned"] += row["rows"] or 0
    return [{"account": a, "audience": aud, **s} for (a, aud), s in sorted(counts.items())]


def monthly_report(settings: Settings, month: str) -> dict:
    """The monthly access-log review: who exported and queried what, refusals, unusual activity, destructions, chain."""
    start, end = _month_bounds(month)
    with lake_session(settings, read_only=True) as con:
        chain = verify_access_log(con)
        rows = _rows(con) if table_exists(con, "audit.access_log") else []
        destructions = _destructions(con, start, end)
    in_month = [r for r in rows if start <= r["logged_at"] < end]
    by_account: dict[str, dict] = defaultdict(lambda: {"exports": 0, "operational_exports": 0, "refusals": 0, "rows": 0})
    for row in (r for r in in_month if r["action"] in EXPORT_ACTIONS):
        stats = by_account[row["account"]]
        if row["result"] == "refused":
            stats["refusals"] += 1
        else:
            stats["operational_exports" if row["action"] == "operational_export" else "exports"] += 1
            stats["rows"] += row["rows"]
    queries = [r for r in in_month if r["action"] == QUERY]
    keep = ("seq", "logged_at", "account", "host", "action", "pilot", "purpose_code", "agreement", "role", "datasets",
            "rows", "reason", "result", "detail")
    keep_refused = (*keep, "audience", "query")  # a refusal may be a query's
    return {
        "month": month,
        "generated_at": now().replace(tzinfo=timezone.utc).isoformat(timespec="seconds"),
        "totals": {
            "entries": len(in_month),
            "exports": sum(r["result"] == "exported" and r["action"] == "export" for r in in_month),
            "operational_exports": sum(r["result"] == "exported" and r["action"] == "operational_export" for r in in_month),
            "refusals": sum(r["result"] == "refused" for r in in_month),
            "rows_exported": sum(r["rows"] for r in in_month if r["result"] == "exported"),
            "queries": len(queries),
            "queries_refused": sum(r["result"] == "refused" for r in queries),
            "destructions": len(destructions),
        },
        "by_account": [{"account": a, **s} for a, s in sorted(by_account.items())],
        "queries": _queries(in_month),
        "exports": [{k: r.get(k) for k in keep} for r in in_month if r["result"] == "exported"],
        "refusals": [{k: r.get(k) for k in keep_refused} for r in in_month if r["result"] == "refused"],
        "unusual": _unusual(rows, in_month),
        "unusual_rules": UNUSUAL_RULES,
        "destructions": destructions,
        "access_log": {"rows": chain.rows, "head_seq": chain.head_seq, "head_hash": chain.head_hash,
                       "chain_ok": chain.ok, "problems": chain.problems, "snapshots_checked": chain.snapshots_checked,
                       "retention": f"at least {RETENTION_YEARS} years; never pruned by the product"},
    }


def _md_table(rows: list[dict], columns: list[str]) -> list[str]:
    if not rows:
        return ["(none)", ""]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = ("" if row.get(c) is None else str(row[c]) for c in columns)
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return [*lines, ""]


def _clip(text: str | None, width: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def report_markdown(report: dict) -> str:
    totals, log = report["totals"], report["access_log"]
    lines = [
        f"# 개인정보 접속기록 월간 점검 / Access-log monthly review — {report['month']}", "",
        f"Generated {report['generated_at']}. Access log: {log['rows']} rows, chain head seq {log['head_seq']} "
        f"`{log['head_hash'][:16]}…`, chain {'verified' if log['chain_ok'] else 'BROKEN'} "
        f"({log['snapshots_checked']} snapshots compared); retention {log['retention']}.", "",
        *(f"- **chain problem**: {p}" for p in log["problems"]),
        "## Totals", "", *_md_table([totals], list(totals)),
        "## By account", "", *_md_table(report["by_account"], ["account", "exports", "operational_exports", "refusals", "rows"]),
        "## Queries (lakehouse sql)", "",
        *_md_table(report["queries"], ["account", "audience", "answered", "refused", "failed", "rows_returned"]),
        "## Exports", "", *_md_table(report["exports"], ["seq", "logged_at", "account", "host", "action", "pilot",
                                                        "purpose_code", "role", "datasets", "rows", "reason"]),
        "## Refusals", "", *_md_table([{**r, "query": _clip(r["query"])} for r in report["refusals"]],
                                      ["seq", "logged_at", "account", "action", "pilot", "purpose_code", "audience", "query",
                                       "detail"]),
        "## Unusual", "", *(f"- `{k}`: {v}" for k, v in report["unusual_rules"].items()), "",
        *_md_table(report["unusual"], ["rule", "seq", "account", "logged_at", "detail"]),
        "## Destructions (파기)", "", *_md_table(report["destructions"], ["recorded_at", "operator", "rows_destroyed", "result"]),
        "Reviewed by (개인정보 보호책임자): ____________________  Date: __________", "",
    ]
    return "\n".join(lines)

