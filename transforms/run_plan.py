"""What the next main job must build: the sources that new inbox files reach, or everything.

A run builds only what new data reaches. A source is pending when its inbox folder holds a file whose bytes
are not loaded yet (no `loaded` record of its sha256 in `landing.files`), or when a run that selected it did
not succeed. Everything is rebuilt on the first run, when the contracts or the dbt project changed since
the last complete build, and on request (`lakehouse run --all`).

A run may be scoped to domains (`lakehouse run --domain welfare`): it plans only their sources, and new
files of other domains stay pending for a later run. "Everything" is then everything of those domains, and
a complete build is recorded per domain, so the first run of a lake or a changed code version rebuilds
each domain once, whichever run reaches it.

The plan's memory is `data/run_state.json`: per domain, the code version of its last complete build, and
the sources still pending. A run records its sources as pending before it starts and clears them only on
success, so a failed or killed run is simply planned again. Sha256s of inbox files are cached by (size,
mtime) in `data/inbox_hashes.json`, so an unchanged inbox costs a directory listing and one catalog query.
Runs of different domains may share a data folder at once (on a PostgreSQL catalog), so both files are
read, changed and written under one file lock: neither run loses the other's update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from catalog.contracts import CONTRACTS_DIR, load_contracts
from lake.files import write_private
from lake.session import lake_session, table_exists
from lake.settings import Settings
from transforms.dbt_project import project_hash
from transforms.landing import inbox_files, sha256_of


def source_ids(domains: Collection[str] | None = None) -> tuple[str, ...]:
    """Every raw source (each has one loader: a test holds them equal), without importing the loaders; only
    those of `domains` when given."""
    return tuple(sorted(c.id for c in load_contracts().values()
                        if c.layer == "raw" and (domains is None or c.domain in domains)))


def run_domains() -> tuple[str, ...]:
    """The domains a run may be scoped to: those with raw sources (geography holds only shared seeds)."""
    return tuple(sorted({c.domain for c in load_contracts().values() if c.layer == "raw"}))


def check_domains(domains: Collection[str] | None) -> tuple[str, ...]:
    """The domains asked for, sorted (every domain when none is named); an unknown one is refused."""
    every = run_domains()
    unknown = sorted(set(domains or ()) - set(every))
    if unknown:
        raise ValueError(f"unknown domain {', '.join(unknown)}; domains: {', '.join(every)}")
    return tuple(sorted(set(domains))) if domains else every


@dataclass(frozen=True)
class RunPlan:
    full: bool
    reason: str
    sources: tuple[str, ...] = ()  # raw sources to run, with everything downstream; every source when full
    new_files: int = 0  # inbox files not loaded yet
    code_version: str = ""  # of the contracts and dbt project when planned: what a complete run is built with
    domains: tuple[str, ...] = ()  # the run's scope (its run locks); () = every domain
    complete: tuple[str, ...] = ()  # the domains it builds completely (recorded as built with code_version)

    @property
    def nothing_to_do(self) -> bool:
        return not self.full and not self.sources


def code_version() -> str:
    """The contracts and the dbt project, path and content: what a complete build was built with."""
    digest = hashlib.sha256(project_hash().encode())
    for path in sorted(p for p in CONTRACTS_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(CONTRACTS_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _state_file(settings: Settings) -> Path:
    return settings.data_dir / "run_state.json"


def _hash_cache_file(settings: Settings) -> Path:
    return settings.data_dir / "inbox_hashes.json"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True))


@contextmanager
def _state_lock(settings: Settings) -> Iterator[None]:
    """The plan's files are read, changed and written back under this lock (runs of two domains at once)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(settings.data_dir / ".run_state.lock")):
        yield


def _save_hash_cache(settings: Settings, fresh: dict, scanned: tuple[str, ...]) -> None:
    """Write back the entries of the sources just scanned; keep the others' (another domain's run may have
    written them meanwhile), less those of files gone from the inbox."""
    folders = tuple(str((settings.inbox_dir / s).resolve()) + "/" for s in scanned)
    with _state_lock(settings):
        saved = _read_json(_hash_cache_file(settings))
        kept = {k: v for k, v in saved.items() if not k.startswith(folders) and Path(k).exists()}
        if {**kept, **fresh} != saved:
            _write_json(_hash_cache_file(settings), {**kept, **fresh})


def size_and_mtime(path: Path) -> list[int]:
    """What says a file is unchanged since it was hashed (taken before hashing: a change after shows)."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def remember_loaded(settings: Settings, loaded: dict[Path, tuple[list[int], str]]) -> None:
    """Files a raw step found loaded (now or before), with their size and mtime from before ingest hashed them
    and their sha256: the next plan judges them without hashing. A complete build plans without scanning the
    inbox, so its next plan hashed the whole inbox (1.2 GB at SF 1, 1.6 s)."""
    if loaded:  # merged into the cache like a scan's entries, no source's entries replaced (none was scanned)
        _save_hash_cache(settings, {str(path.resolve()): [*size_mtime, digest, True]
                                    for path, (size_mtime, digest) in loaded.items()}, scanned=())


def _cache_entry(cache: dict, path: Path) -> tuple[str, list[int], list | None]:
    """(its key, [size, mtime], the cache's entry for `path` if its size and mtime are unchanged, else None)."""
    key, size_mtime = str(path.resolve()), size_and_mtime(path)
    known = cache.get(key)
    return key, size_mtime, known if known and known[:2] == size_mtime else None


def _seen_loaded(known: list | None) -> bool:
    """Whether a cache entry (unchanged file) says its bytes were seen loaded."""
    return bool(known and len(known) > 3 and known[3])


def files_to_ingest(settings: Settings, source_id: str) -> list[Path]:
    """The source's inbox files less those the hash cache knows are loaded, unchanged since: what a raw step
    must hand to ingest (which judges each again, under the lake's lock). Hashes nothing: without a cache
    (after a complete build, which plans without scanning the inbox) every file is handed on."""
    cache = _read_json(_hash_cache_file(settings))
    return [path for path in inbox_files(settings.inbox_dir, source_id)
            if not _seen_loaded(_cache_entry(cache, path)[2])]


def _cached_inbox(settings: Settings, sources: tuple[str, ...]) -> tuple[dict[str, dict[Path, str]], set[tuple[str, str]], dict]:
    """Per source, its inbox files and their sha256 (hashed again only when size or mtime changed); the
    (source, sha256) the cache already saw loaded; and the cache entries as they should be written back."""
    cache, fresh = _read_json(_hash_cache_file(settings)), {}
    found: dict[str, dict[Path, str]] = {}
    seen_loaded: set[tuple[str, str]] = set()
    for source_id in sources:
        for path in inbox_files(settings.inbox_dir, source_id):
            key, size_mtime, known = _cache_entry(cache, path)
            digest = known[2] if known else sha256_of(path)
            fresh[key] = [*size_mtime, digest, _seen_loaded(known)]
            found.setdefault(source_id, {})[path] = digest
            if fresh[key][3]:
                seen_loaded.add((source_id, digest))
    return found, seen_loaded, fresh


def inbox_digests(settings: Settings) -> dict[str, dict[Path, str]]:
    """Per source, its inbox files and their sha256 (hashed again only when size or mtime changed)."""
    sources = source_ids()
    found, _, fresh = _cached_inbox(settings, sources)
    _save_hash_cache(settings, fresh, sources)
    return found


def loaded_digests(settings: Settings) -> set[tuple[str, str]]:
    """(source, sha256) of every file loaded so far."""
    if not Path(settings.catalog_uri).exists() and not settings.catalog:
        return set()
    with lake_session(settings, read_only=True) as con:
        if not table_exists(con, "landing.files"):
            return set()
        return set(con.execute("SELECT source, sha256 FROM lake.landing.files WHERE status = 'loaded'").fetchall())


def new_files(settings: Settings, sources: tuple[str, ...] | None = None) -> dict[str, list[Path]]:
    """Per source (of `sources`, default all), the inbox files whose bytes are not loaded yet.

    A loaded file stays loaded (landing records are never deleted), so the hash cache remembers files seen
    loaded, and an inbox of such files is judged without opening the lake."""
    sources = source_ids() if sources is None else sources
    found, loaded, fresh = _cached_inbox(settings, sources)
    if any((source_id, digest) not in loaded for source_id, files in found.items() for digest in files.values()):
        loaded = loaded_digests(settings)
        for source_id, files in found.items():
            for path, digest in files.items():
                fresh[str(path.resolve())][3] = (source_id, digest) in loaded
    _save_hash_cache(settings, fresh, sources)
    return {source_id: [p for p, digest in files.items() if (source_id, digest) not in loaded]
            for source_id, files in found.items()
            if any((source_id, digest) not in loaded for digest in files.values())}


def _built_with(state: dict) -> dict[str, str]:
    """Per domain, the code version of its last complete build (a state from before domains held one for all)."""
    built = state.get("built_with") or {}
    return {d: built for d in run_domains()} if isinstance(built, str) else dict(built)


def _complete_reason(domains: tuple[str, ...], why: str) -> str:
    return f"{why}: everything is built" if set(domains) == set(run_domains()) else \
        f"{why} ({', '.join(domains)}): everything of {'it' if len(domains) == 1 else 'them'} is built"


def plan_run(settings: Settings, full: bool = False, domains: Collection[str] | None = None) -> RunPlan:
    """What the next run of `domains` (default: every domain) builds."""
    scope = check_domains(domains)
    scoped = scope if set(scope) != set(run_domains()) else ()
    with _state_lock(settings):
        state = _read_json(_state_file(settings))
    version, built = code_version(), _built_with(state)
    if full:
        return RunPlan(True, "a complete rebuild was asked for (--all)", source_ids(scope), code_version=version,
                       domains=scoped, complete=scope)
    if not settings.catalog and not Path(settings.catalog_uri).exists():
        first, changed = scope, ()
    else:
        first = tuple(d for d in scope if d not in built)
        changed = tuple(d for d in scope if d in built and built[d] != version)
    complete = tuple(sorted(first + changed))
    rebuilt = source_ids(complete)
    # The other domains of the scope build what is new (a domain built completely needs no inbox scan).
    incremental = tuple(s for s in source_ids(scope) if s not in rebuilt)
    arrived = new_files(settings, incremental) if incremental else {}
    left_over = (set(state.get("pending", [])) & set(incremental)) - set(arrived)
    pending = tuple(sorted(set(arrived) | left_over | set(rebuilt)))
    if not pending:
        return RunPlan(False, "nothing new in the inbox", code_version=version, domains=scoped)
    parts = [_complete_reason(first, "first run on this lake")] if first else []
    parts += [_complete_reason(changed, "the contracts or the dbt project changed since the last complete build")] if changed else []
    arrived_count = sum(len(v) for v in arrived.values())
    parts += [f"{arrived_count} new file(s) for {', '.join(sorted(arrived))}"] if arrived else []
    parts += [f"left over from a run that did not succeed: {', '.join(sorted(left_over))}"] if left_over else []
    return RunPlan(bool(complete), "; ".join(parts), pending, arrived_count, version, scoped, complete)


def record_start(settings: Settings, plan: RunPlan) -> None:
    """Before the run: its sources stay pending until it succeeds."""
    with _state_lock(settings):
        state = _read_json(_state_file(settings))
        state["pending"] = sorted(set(state.get("pending", [])) | set(plan.sources))
        _write_json(_state_file(settings), state)


def record_success(settings: Settings, plan: RunPlan) -> None:
    """After a successful run: its sources are built; the domains it built completely record the code version
    it was planned with (a change made while it ran is still seen by the next plan)."""
    with _state_lock(settings):
        state = _read_json(_state_file(settings))
        state["pending"] = sorted(set(state.get("pending", [])) - set(plan.sources))
        if plan.full and plan.code_version:
            built = _built_with(state)
            built.update({d: plan.code_version for d in plan.complete or run_domains()})
            state["built_with"] = built
        _write_json(_state_file(settings), state)
