"""One main job at a time per lake (embedded) or per domain (PostgreSQL): a run lock that names its holder.

The lake lock (`lake.session`) serialises single transactions; a main job spans many (ingest, checks,
dbt, gates, release), and two interleaved jobs check each other's half-built batches. So a job holds
`data/.run.lock` from start to end; a second job waits up to `wait_seconds`, then refuses with the
holder's pid, host and start time, read from `data/.run.lock.holder.json` (a separate file: the lock
file itself is created and removed by filelock). The OS drops the lock when its holder dies, even by
SIGKILL; the holder file it leaves behind is then stale and is overwritten by the next holder.

On a PostgreSQL catalog the lake is shared by hosts that share no file, so the run lock is a PostgreSQL
advisory lock in the catalog database (also dropped when its holder's connection dies; pg_stat_activity
names the holder), one per domain (`lakehouse:main-job:<domain>`). The four domains share no source and no
model (only the geography seeds, which dbt rebuilds under its own lake-wide lock), so runs of different
domains proceed in parallel: their dbt builds are serialised by `lake.session.writer_lock`, every other
write by its table's advisory lock and conflict retries. A run of several domains takes their locks in
sorted order, so two runs never wait for each other in a circle. A second run of the same domain waits by
default (LAKEHOUSE_RUN_WAIT_SECONDS, one hour) instead of refusing: operators on several hosts start runs
independently, and a run that waited plans afterwards, so it builds only what the first one left unbuilt
(nothing, for the same inbox) and both succeed. The embedded catalog has one writer: one lock, whatever
the domains.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from lake.catalog_backend import advisory_lock, is_postgres, lock_holder, masked_catalog
from lake.settings import Settings

RUN_LOCK = "lakehouse:main-job"  # + ":<domain>" on a PostgreSQL catalog


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


# Run locks this process holds, per lake: the job's own resource asks again inside `lakehouse run`
# (re-entrant); on PostgreSQL the domains held, on the embedded lake "*".
_HELD: dict[str, set[str]] = {}


def domain_lock(domain: str) -> str:
    return f"{RUN_LOCK}:{domain}"


def default_wait(settings: Settings) -> float:
    """Seconds a run waits for another by default: none on the embedded lake (it refuses, naming the holder),
    LAKEHOUSE_RUN_WAIT_SECONDS (default 3600) on a PostgreSQL catalog."""
    if not is_postgres(settings.catalog_uri):
        return 0.0
    return float(os.environ.get("LAKEHOUSE_RUN_WAIT_SECONDS", "3600"))


@contextmanager
def _postgres_run_lock(settings: Settings, domains: list[str], wait_seconds: float) -> Iterator[None]:
    """Every domain's advisory lock, in sorted order (a fixed order: no two runs wait in a circle)."""
    uri = settings.catalog_uri
    deadline = time.monotonic() + wait_seconds if wait_seconds >= 0 else None
    with ExitStack() as held_locks:
        for domain in sorted(domains):
            left = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            if not held_locks.enter_context(advisory_lock(uri, domain_lock(domain), left)):
                raise RunLocked(f"another lakehouse run holds the {domain} run lock of {masked_catalog(uri)}: "
                                f"{lock_holder(uri, domain_lock(domain)) or 'a run that has just finished'}; "
                                "wait for it to finish (--wait), or stop that process")
        yield


@contextmanager
def run_lock(settings: Settings, wait_seconds: float | None = 0.0,
             domains: Collection[str] | None = None) -> Iterator[None]:
    """Hold the run lock for the block, or raise RunLocked after `wait_seconds` (None: `default_wait`).

    `domains`: what the run builds; on a PostgreSQL catalog it holds those domains' locks (the caller names
    them: a run of the whole lake names every domain). The embedded lake has one lock for all."""
    wait_seconds = default_wait(settings) if wait_seconds is None else wait_seconds
    if is_postgres(settings.catalog_uri):
        if not domains:
            raise ValueError("a run lock on a PostgreSQL catalog names the domains it is for")
        key, wanted = settings.catalog_uri, set(domains)
    else:
        key, wanted = str(settings.run_lock_file.resolve()), {"*"}
    held = _HELD.setdefault(key, set())
    missing = wanted - held
    if not missing:
        yield
        return
    if is_postgres(settings.catalog_uri):
        with _postgres_run_lock(settings, sorted(missing), wait_seconds):
            held |= missing
            try:
                yield
            finally:
                held -= missing
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.run_lock_file), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        raise RunLocked(f"another lakehouse run holds {settings.run_lock_file}: {describe_holder(settings)}; "
                        "wait for it to finish, or stop that process") from None
    held |= missing
    try:
        _write_holder(holder_file(settings))
        yield
    finally:
        held -= missing
        holder_file(settings).unlink(missing_ok=True)
        lock.release()
