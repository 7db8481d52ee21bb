"""Saving pages into the inbox: `<inbox>/<source_id>/<service>[_<params>]_p<NNNN>.json`, verbatim.

A fetch stages its pages in a hidden folder beside them (ingest skips dot-names) and moves them into
place only once every page has arrived: each move is an atomic rename, a failed fetch leaves the
previous set untouched, and a re-fetch overwrites the same names and drops pages it no longer has.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

_UNSAFE = re.compile(r"[^\w.-]+")


def page_prefix(service: str, params: dict[str, str]) -> str:
    """`storeListInDong` + {divId: signguCd, key: 11500} → `storeListInDong_divId-signguCd_key-11500`."""
    parts = [service, *(f"{_safe(k)}-{_safe(v)}" for k, v in sorted(params.items()))]
    return "_".join(parts)


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", str(text)).strip("-") or "-"


class PageSet:
    """The pages of one fetch of one service with one set of parameters."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix = folder, prefix
        self._pattern = re.compile(rf"{re.escape(prefix)}_p\d{{4,}}\.json")
        self._staged: list[Path] = []

    def __enter__(self) -> PageSet:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=f".fetch-{self.prefix[:40]}-", dir=self.folder))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)

    def add(self, page_no: int, content: bytes) -> None:
        staged = self._staging / f"{self.prefix}_p{page_no:04d}.json"
        with open(staged, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        self._staged.append(staged)

    def commit(self) -> tuple[Path, ...]:
        """Move every staged page into place, then drop pages of an earlier, longer fetch."""
        placed = []
        for staged in self._staged:
            target = self.folder / staged.name
            os.replace(staged, target)
            placed.append(target)
        names = {p.name for p in placed}
        for old in self.folder.iterdir():
            if self._pattern.fullmatch(old.name) and old.name not in names:
                old.unlink()
        return tuple(placed)
