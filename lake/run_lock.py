"""One main job at a time per lake: a run lock that names its holder.

The lake lock (`lake.session`) serialises single transactions; a main job spans many (ingest, checks,
dbt, gates, release), and two interleaved jobs check each other's half-built batches. So a job holds
`data/.run.lock` from start to end; a second job waits up to `wait_seconds`, then refuses with the
holder's pid, host and start time, read from `data/.run.lock.holder.json` (a separate file: the lock
file itself is created and removed by filelock). The OS drops the lock when its holder dies, even by
SIGKILL; the holder file it leaves behind is then stale and is overwritten by the next holder.

On a PostgreSQL catalog the lake is shared by hosts that share no file, so the run lock is a PostgreSQL
advisory lock in the catalog database (also dropped when its holder's connection dies; pg_stat_activity
names the holder). There a second run waits by default (LAKEHOUSE_RUN_WAIT_SECONDS, one hour) instead of
refusing: operators on several hosts start runs independently, and a run that waited plans afterwards,
so it builds only what the first one left unbuilt (nothing, for the same inbox) and both succeed. Runs are
not split per domain: ingest, dbt and the gates of one run read across domains (a run plan and one
`dbt build` per run), and interleaving two runs' halves is what the lock exists to prevent.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from lake.catalog_backend import advisory_lock, is_postgres, lock_holder, masked_catalog
from lake.settings import Settings

RUN_LOCK = "lakehouse:main-job"


class RunLocked(RuntimeError):
    """Another run holds the lake; the message names it."""


def holder_file(settings: Settings) -> Path:
    return settings.run_lock_file.with_name(settings.run_lock_file.name + ".holder.json")


def _write_holder(path: Path) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(holder, ensure_ascii=False))
    partial.replace(path)  # readers never see half a holder


def describe_holder(settings: Settings) -> str:
    try:
        holder = json.loads(holder_file(settings).read_text())
    except (OSError, ValueError):
        return "a run that is just starting (no holder details yet)"
    return f"pid {holder['pid']} on {holder['host']}, started {holder['started_at']} ({holder['command']})"


# Run locks this process holds: the job's own resource asks again inside `lakehouse run` (re-entrant).
_HELD: set[str] = set()


def default_wait(settings: Settings) -> float:
    """Seconds a run waits for another by default: none on the embedded lake (it refuses, naming the holder),
    LAKEHOUSE_RUN_WAIT_SECONDS (default 3600) on a PostgreSQL catalog."""
    if not is_postgres(settings.catalog_uri):
        return 0.0
    return float(os.environ.get("LAKEHOUSE_RUN_WAIT_SECONDS", "3600"))


@contextmanager
def _postgres_run_lock(settings: Settings, wait_seconds: float) -> Iterator[None]:
    uri = settings.catalog_uri
    with advisory_lock(uri, RUN_LOCK, wait_seconds) as held:
        if not held:
            raise RunLocked(f"another lakehouse run holds the run lock of {masked_catalog(uri)}: "
                            f"{lock_holder(uri, RUN_LOCK) or 'a run that has just finished'}; "
                            "wait for it to finish (--wait), or stop that process")
        yield


@contextmanager
def run_lock(settings: Settings, wait_seconds: float | None = 0.0) -> Iterator[None]:
    """Hold the lake's run lock for the block, or raise RunLocked after `wait_seconds` (None: `default_wait`)."""
    wait_seconds = default_wait(settings) if wait_seconds is None else wait_seconds
    key = settings.catalog_uri if is_postgres(settings.catalog_uri) else str(settings.run_lock_file.resolve())
    if key in _HELD:
        yield
        return
    if is_postgres(settings.catalog_uri):
        with _postgres_run_lock(settings, wait_seconds):
            _HELD.add(key)
            try:
                yield
            finally:
                _HELD.discard(key)
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.run_lock_file), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        raise RunLocked(f"another lakehouse run holds {settings.run_lock_file}: {describe_holder(settings)}; "
                        "wait for it to finish, or stop that process") from None
    _HELD.add(key)
    try:
        _write_holder(holder_file(settings))
        yield
    finally:
        _HELD.discard(key)
        holder_file(settings).unlink(missing_ok=True)
        lock.release()
