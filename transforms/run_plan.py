"""What the next main job must build: the sources that new inbox files reach, or everything.

A run builds only what new data reaches. A source is pending when its inbox folder holds a file whose bytes
are not loaded yet (no `loaded` record of its sha256 in `landing.files`), or when a run that selected it did
not succeed. Everything is rebuilt on the first run, when the contracts or the dbt project changed since
the last complete build, and on request (`lakehouse run --all`).

The plan's memory is `data/run_state.json`: the code version of the last complete build and the sources
still pending. A run records its sources as pending before it starts and clears them only on success, so
a failed or killed run is simply planned again. Sha256s of inbox files are cached by (size, mtime) in
`data/inbox_hashes.json`, so an unchanged inbox costs a directory listing and one catalog query.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from catalog.contracts import CONTRACTS_DIR, load_contracts
from lake.files import write_private
from lake.session import lake_session, table_exists
from lake.settings import Settings
from transforms.dbt_project import project_hash
from transforms.landing import inbox_files, sha256_of


def source_ids() -> tuple[str, ...]:
    """Every raw source (each has one loader: a test holds them equal), without importing the loaders."""
    return tuple(sorted(c.id for c in load_contracts().values() if c.layer == "raw"))


@dataclass(frozen=True)
class RunPlan:
    full: bool
    reason: str
    sources: tuple[str, ...] = ()  # raw sources to run, with everything downstream; every source when full
    new_files: int = 0  # inbox files not loaded yet
    code_version: str = ""  # of the contracts and dbt project when planned: what a complete run is built with

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


def _save_hash_cache(settings: Settings, fresh: dict) -> None:
    if fresh != _read_json(_hash_cache_file(settings)):
        _write_json(_hash_cache_file(settings), fresh)


def _cached_inbox(settings: Settings) -> tuple[dict[str, dict[Path, str]], set[tuple[str, str]], dict]:
    """Per source, its inbox files and their sha256 (hashed again only when size or mtime changed); the
    (source, sha256) the cache already saw loaded; and the cache as it should be written back."""
    cache, fresh = _read_json(_hash_cache_file(settings)), {}
    found: dict[str, dict[Path, str]] = {}
    seen_loaded: set[tuple[str, str]] = set()
    for source_id in source_ids():
        for path in inbox_files(settings.inbox_dir, source_id):
            stat, key = path.stat(), str(path.resolve())
            size_mtime = [stat.st_size, stat.st_mtime_ns]
            known = cache.get(key)
            same = bool(known) and known[:2] == size_mtime
            digest = known[2] if same else sha256_of(path)
            fresh[key] = [*size_mtime, digest, bool(same and len(known) > 3 and known[3])]
            found.setdefault(source_id, {})[path] = digest
            if fresh[key][3]:
                seen_loaded.add((source_id, digest))
    return found, seen_loaded, fresh


def inbox_digests(settings: Settings) -> dict[str, dict[Path, str]]:
    """Per source, its inbox files and their sha256 (hashed again only when size or mtime changed)."""
    found, _, fresh = _cached_inbox(settings)
    _save_hash_cache(settings, fresh)
    return found


def loaded_digests(settings: Settings) -> set[tuple[str, str]]:
    """(source, sha256) of every file loaded so far."""
    if not Path(settings.catalog_uri).exists() and not settings.catalog:
        return set()
    with lake_session(settings, read_only=True) as con:
        if not table_exists(con, "landing.files"):
            return set()
        return set(con.execute("SELECT source, sha256 FROM lake.landing.files WHERE status = 'loaded'").fetchall())


def new_files(settings: Settings) -> dict[str, list[Path]]:
    """Per source, the inbox files whose bytes are not loaded yet.

    A loaded file stays loaded (landing records are never deleted), so the hash cache remembers files seen
    loaded, and an inbox of such files is judged without opening the lake."""
    found, loaded, fresh = _cached_inbox(settings)
    if any((source_id, digest) not in loaded for source_id, files in found.items() for digest in files.values()):
        loaded = loaded_digests(settings)
        for source_id, files in found.items():
            for path, digest in files.items():
                fresh[str(path.resolve())][3] = (source_id, digest) in loaded
    _save_hash_cache(settings, fresh)
    return {source_id: [p for p, digest in files.items() if (source_id, digest) not in loaded]
            for source_id, files in found.items()
            if any((source_id, digest) not in loaded for digest in files.values())}


def plan_run(settings: Settings, full: bool = False) -> RunPlan:
    state = _read_json(_state_file(settings))
    every, version = source_ids(), code_version()
    if full:
        return RunPlan(True, "a complete rebuild was asked for (--all)", every, code_version=version)
    if not state.get("built_with") or (not settings.catalog and not Path(settings.catalog_uri).exists()):
        return RunPlan(True, "first run on this lake: everything is built", every, code_version=version)
    if state["built_with"] != version:
        return RunPlan(True, "the contracts or the dbt project changed since the last complete build", every,
                       code_version=version)
    arrived = new_files(settings)
    left_over = set(state.get("pending", [])) - set(arrived)
    pending = tuple(sorted(set(arrived) | (left_over & set(every))))
    if not pending:
        return RunPlan(False, "nothing new in the inbox", code_version=version)
    arrived_count = sum(len(v) for v in arrived.values())
    parts = [f"{arrived_count} new file(s) for {', '.join(sorted(arrived))}"] if arrived else []
    parts += [f"left over from a run that did not succeed: {', '.join(sorted(left_over))}"] if left_over else []
    return RunPlan(False, "; ".join(parts), pending, arrived_count, version)


def record_start(settings: Settings, plan: RunPlan) -> None:
    """Before the run: its sources stay pending until it succeeds."""
    state = _read_json(_state_file(settings))
    state["pending"] = sorted(set(state.get("pending", [])) | set(plan.sources))
    _write_json(_state_file(settings), state)


def record_success(settings: Settings, plan: RunPlan) -> None:
    """After a successful run: its sources are built; a complete run records the code version it was
    planned with (a change made while it ran is still seen by the next plan)."""
    state = _read_json(_state_file(settings))
    state["pending"] = sorted(set(state.get("pending", [])) - set(plan.sources))
    if plan.full and plan.code_version:
        state["built_with"] = plan.code_version
    _write_json(_state_file(settings), state)
