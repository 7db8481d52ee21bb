"""The landing zone on disk: `landing/<source>/<sha256>/<original name>`, read-only, always whole.

On object storage (LAKEHOUSE_DATA_URL) the same path is under `<data url>landing/`: the file is first
landed, hashed, in the ingest's private work folder (as below), then uploaded and read back to check its
sha256 (lake/object_store.py); ingest parses that verified local copy.

A copy is written to a hidden partial file beside its target, hashed while it is written, flushed to
disk and only then renamed into place, so a process killed mid-copy (or a full disk) never leaves a
truncated landing copy under the real name. Landing again over an existing copy replaces it with the same
bytes: that is how a run converges after one killed between the copy and its record.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lake.files import make_private, private_dir
from lake.object_store import ObjectStoreError, store_for
from lake.pause_points import pause_point
from lake.settings import Settings

CHUNK = 1 << 20


class LandingFailed(OSError):
    """The copy could not be made (full disk, permissions, the file changed while being read)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def landing_target(landing_dir: Path, source_id: str, path: Path, digest: str) -> Path:
    """Only the file's own name is kept, so no name can place a copy outside its folder."""
    name = Path(path).name
    if name in ("", ".", "..") or "\0" in name:
        raise LandingFailed(f"{name!r} is not a file name that can be landed")
    return landing_dir / source_id / digest / name


def _copy_hashing(src: Path, dst: Path) -> str:
    digest = hashlib.sha256()
    with src.open("rb") as f, dst.open("xb") as out:
        while chunk := f.read(CHUNK):
            out.write(chunk)
            digest.update(chunk)
            pause_point("ingest:landing_copy")
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stale_partials(folder: Path) -> list[Path]:
    """Partial copies under `folder` whose writer is dead (killed mid-copy): `.<name>.<pid>.partial`."""
    stale = []
    for partial in folder.rglob(".*.partial"):
        pid = partial.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            stale.append(partial)
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def land(landing_dir: Path, source_id: str, path: Path, digest: str) -> Path:
    """Copy `path` (whose sha256 is `digest`) to its landing place, read-only; returns the landed path."""
    target = landing_target(landing_dir, source_id, path, digest)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        private_dir(target.parent)  # landing copies hold personal data as delivered: the owner's alone
        for leftover in [*stale_partials(target.parent), partial]:  # left by a process killed mid-copy
            leftover.unlink(missing_ok=True)
        if _copy_hashing(path, partial) != digest:
            raise LandingFailed(f"{path.name} changed while it was being landed; ingest it again once it is complete")
        make_private(partial, read_only=True)
        partial.replace(target)
        _fsync_dir(target.parent)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, LandingFailed):
            raise
        raise LandingFailed(f"could not land {path.name} in {target.parent}: {exc.strerror or exc}") from exc
    return target


def land_copy(settings: Settings, source_id: str, path: Path, digest: str, work: Path) -> tuple[str, Path]:
    """Land `path` where the lake keeps landing copies: (where it was landed, a local file with the same bytes)."""
    store = store_for(settings.data_url)
    if store is None:
        landed = land(settings.landing_dir, source_id, path, digest)
        return str(landed), landed
    local = land(work / "landing", source_id, path, digest)
    relative = local.relative_to(work / "landing").as_posix()
    try:
        return store.put_verified(local, f"{store.url}landing/{relative}", digest), local
    except ObjectStoreError as exc:
        raise LandingFailed(str(exc)) from None


def inbox_files(inbox: Path, source_id: str) -> list[Path]:
    """The files waiting for a source: <inbox>/<source id>/*, in name order."""
    folder = inbox / source_id
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
