"""One main job at a time per lake: a run lock that names its holder.

The lake lock (`lake.session`) serialises single transactions; a main job spans many (ingest, checks,
dbt, gates, release), and two interleaved jobs check each other's half-built batches. So a job holds
`data/.run.lock` from start to end; a second job waits up to `wait_seconds`, then refuses with the
holder's pid, host and start time, read from `data/.run.lock.holder.json` (a separate file: the lock
file itself is created and removed by filelock). The OS drops the lock when its holder dies, even by
SIGKILL; the holder file it leaves behind is then stale and is overwritten by the next holder.
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

from lake.settings import Settings


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


@contextmanager
def run_lock(settings: Settings, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the lake's run lock for the block, or raise RunLocked after `wait_seconds`."""
    key = str(settings.run_lock_file.resolve())
    if key in _HELD:
        yield
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
