"""How far the identifier scan of each gated lake table has got, so a run scans only the rows added since.

The `no_direct_identifiers` gate reads every text column with regular expressions: over a whole staging
history that is the costliest check of an increment. DuckLake never rewrites a row in place and tells for
every row the snapshot that added it (the virtual column `snapshot_id`), so the gate reads the rows still
in the table that were added after the snapshot its last *passing* scan reached, and records the new
snapshot only when the scan passes: a failed scan is repeated from the same place by the next run. A
table recreated since (a complete rebuild, a release) has every row added after the mark.

The marks are a cache in `data/gate_scans.json`: losing it costs one whole scan, never a missed row. Runs of
two domains may record marks at once (PostgreSQL catalog), so a mark is read, set and written back under a
file lock: neither run drops the other's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
from filelock import FileLock

from lake.changes import lake_identity
from lake.files import write_private
from lake.settings import Settings


@dataclass(frozen=True)
class ScanScope:
    rows: str  # a relation with the table's columns: the rows to scan
    through: int  # the snapshot the scan reaches (recorded when it passes)
    description: str  # for the check's evidence
    lake: str  # which lake the marks belong to


def _marks_file(settings: Settings) -> Path:
    return settings.data_dir / "gate_scans.json"


def _marks(settings: Settings, lake: str) -> dict[str, int]:
    try:
        saved = json.loads(_marks_file(settings).read_text())
    except (OSError, ValueError):
        return {}
    return saved.get("marks", {}) if saved.get("lake") == lake else {}


def scan_scope(con: duckdb.DuckDBPyConnection, settings: Settings, physical_name: str) -> ScanScope:
    """The rows of `lake.<physical_name>` the identifier scan still has to read."""
    relation = f"lake.{physical_name}"
    current = con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()[0]
    lake = lake_identity(con)  # marks of another lake (rebuilt under the same folder) never apply
    mark = _marks(settings, lake).get(physical_name)
    if mark is None or mark > current:
        return ScanScope(relation, current, "every row", lake)
    return ScanScope(f"(SELECT * FROM {relation} WHERE snapshot_id > {int(mark)})", current,
                     f"rows added since snapshot {mark}", lake)


def record_scan(settings: Settings, physical_name: str, scope: ScanScope) -> None:
    """The scan of `physical_name` over `scope` passed."""
    with FileLock(str(settings.data_dir / ".gate_scans.lock")):
        marks = _marks(settings, scope.lake)
        marks[physical_name] = scope.through
        write_private(_marks_file(settings), json.dumps({"lake": scope.lake, "marks": marks}, indent=1, sort_keys=True))
