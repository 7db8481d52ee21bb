"""Keyed, per-purpose pseudonyms (governance.md §4.2).

pseudonym = HMAC-SHA256(key of the purpose, identifier), hex, first 32 characters (128 bits).
Each purpose has its own 32-byte random key in the key vault directory, outside the lake and outside git,
so pseudonyms of two purposes cannot be joined and a pseudonym is never a bare hash of an identifier.
Keys are never logged; only the key file's path is. Key files are 0600 in a 0700 vault whatever the umask,
and a key file other accounts can read is refused rather than used.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

from lake.files import private_dir, require_private, write_private

PSEUDONYM_LENGTH = 32
_PURPOSE = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")


class KeyMissing(RuntimeError):
    pass


def key_path(key_dir: Path, purpose_code: str) -> Path:
    if not _PURPOSE.match(purpose_code):
        raise ValueError(f"not a purpose code: {purpose_code!r}")
    return key_dir / f"{purpose_code}.key"


def ensure_key(key_dir: Path, purpose_code: str) -> tuple[Path, bool]:
    """Create the purpose's key on first use (0600 in a 0700 directory). Returns (path, created)."""
    path = key_path(key_dir, purpose_code)
    if path.exists():
        return path, False
    private_dir(key_dir)
    try:
        write_private(path, secrets.token_hex(32), exclusive=True)
    except FileExistsError:  # another process created it first: use that one
        return path, False
    return path, True


def read_key(key_dir: Path, purpose_code: str) -> bytes:
    path = key_path(key_dir, purpose_code)
    if not path.exists():
        raise KeyMissing(f"no pseudonymization key for purpose {purpose_code} in the key vault {key_dir}")
    require_private(path, "pseudonymization key")
    return bytes.fromhex(path.read_text().strip())


class Pseudonymizer:
    """Caches keys per purpose; `pseudonym(purpose, value)` is deterministic for a given key."""

    def __init__(self, key_dir: Path):
        self.key_dir = key_dir
        self._keys: dict[str, bytes] = {}

    def pseudonym(self, purpose_code: str, value: str | None) -> str | None:
        if value is None:
            return None
        key = self._keys.get(purpose_code) or self._keys.setdefault(purpose_code, read_key(self.key_dir, purpose_code))
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
