"""The registry of sources: id → parser and accepted formats. The source id is its contract id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.childcare import centers, meals


@dataclass(frozen=True)
class Source:
    id: str
    formats: tuple[str, ...]
    suffixes: tuple[str, ...]
    parse: Callable[[Path, str], pl.DataFrame]  # (UTF-8 text file, original file name) → strings
    binary: bool = False  # e.g. XLSX: the parser gets the landed file itself, not a decoded text

    def accepts(self, path: Path) -> bool:
        return path.suffix.lower() in self.suffixes


SOURCES = {
    s.id: s
    for s in (
        Source(
            "childcare_centers",
            ("보육통합정보 cpmsapi030 XML (sigunname/sigunguname, any tag case)", "Seoul Open API ChildCareInfo JSON envelope"),
            (".xml", ".json"),
            centers.parse,
        ),
        Source(
            "childcare_meals",
            ("meal-scan extract CSV, Korean headers, CP949 or UTF-8 (synthetic schema)",),
            (".csv",),
            meals.parse,
        ),
    )
}


def get_source(source_id: str) -> Source:
    try:
        return SOURCES[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {', '.join(SOURCES)}") from None
