"""Files only their owner can read: 0600 files (0400 when read-only) in 0700 folders, whatever the umask.

Personal data on disk (exports and manifests, the key vault, analyst databases, restricted zones) goes
through these helpers. Modes are set explicitly after creating, never left to the umask: a umask of 022
or 000 would otherwise leave files readable by every account on the machine (안전성 확보조치 기준:
protection of the files themselves).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
PRIVATE_READ_ONLY = 0o400
SHARED_BITS = 0o077  # any permission for group or others


class FileExposed(PermissionError):
    """A file that must be private is readable or writable by other accounts."""


def private_dir(path: Path) -> Path:
    """Create `path` (and any missing parents) and make it 0700; parents that already existed are left alone."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in (path, *missing):
        folder.chmod(PRIVATE_DIR)
    return path


def make_private(path: Path, read_only: bool = False) -> Path:
    """Set a file written by someone else (DuckDB, a COPY) to 0600, or 0400 when it must stay read-only."""
    path = Path(path)
    path.chmod(PRIVATE_READ_ONLY if read_only else PRIVATE_FILE)
    return path


def write_private(path: Path, data: str | bytes, exclusive: bool = False) -> Path:
    """Write a whole file, 0600 from its first byte, atomically: a reader sees the old file or the new one.

    `exclusive`: raise FileExistsError if `path` exists (the first writer wins; used for keys).
    """
    path = Path(path)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(partial, path)  # fails if the name exists, unlike a rename
        else:
            os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return path


def require_private(path: Path, what: str) -> Path:
    """Refuse a file other accounts can read or write, saying how to fix it."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & SHARED_BITS:
        raise FileExposed(f"{what} {path} is open to other accounts (mode {mode:04o}); "
                          f"fix it with `chmod 600 {path}` (and `chmod 700 {path.parent}`), then run again")
    return path


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's live process
        return True
    return True


def process_scratch(root: Path, purpose: str) -> tempfile.TemporaryDirectory:
    """A private scratch folder under `root` for one piece of work, removed when it ends. Its name starts
    with this process's id: a process killed mid-work cannot remove its own, so the next one removes the
    folders of processes no longer alive (they may hold rows as delivered) before making its own."""
    root = private_dir(root)
    for folder in root.glob("*-*"):
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-{purpose}-", dir=root)
