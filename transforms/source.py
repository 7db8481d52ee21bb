"""What a source is: its id (= its contract id), the formats it accepts and its parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.records import ParseError


@dataclass(frozen=True)
class Source:
    id: str
    formats: tuple[str, ...]
    suffixes: tuple[str, ...]
    # (UTF-8 text of the file — or the landed file itself for a binary suffix —, original name) → strings,
    # as one frame or, for a parser that streams a large file, an iterator of frames
    parse: Callable[..., pl.DataFrame | Iterator[pl.DataFrame]]
    binary_suffixes: tuple[str, ...] = ()  # e.g. .xlsx: read as bytes by the parser, never decoded
    # The parser takes `period=` (YYYYMM): the reference period of a file whose name carries none,
    # given by the person ingesting it (`lakehouse ingest … --period`).
    takes_period: bool = False
    # The parser takes `work=`: the ingest's private scratch folder, for what it unpacks (a ZIP's member holds
    # rows as delivered, so never the system's temp folder, which may also be a small tmpfs).
    unpacks: bool = False

    def accepts(self, path: Path) -> bool:
        return path.suffix.lower() in self.suffixes

    def is_binary(self, path: Path) -> bool:
        return path.suffix.lower() in self.binary_suffixes


def reference_period(stated: str | None, given: str | None, name: str, source_id: str, expected: str) -> str:
    """The period a file states, or the one given to `lakehouse ingest --period` when it states none (the
    two must agree when both are there); `expected` says where the file would state it."""
    if stated and given and stated != given:
        raise ParseError(f"{name}: the file states {stated}, --period says {given}")
    if stated or given:
        return stated or given
    raise ParseError(f"{name}: no reference month ({expected}); give it with "
                     f"`lakehouse ingest {source_id} FILE --period YYYYMM`")
