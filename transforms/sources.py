"""The registry of sources: id → parser and accepted formats. Each domain lists its own in `<domain>/sources.py`."""

from __future__ import annotations

from transforms.childcare import sources as childcare
from transforms.commerce import sources as commerce
from transforms.safety import sources as safety
from transforms.source import Source
from transforms.welfare import sources as welfare

SOURCES: dict[str, Source] = {s.id: s for domain in (childcare, welfare, safety, commerce) for s in domain.SOURCES}


def get_source(source_id: str) -> Source:
    try:
        return SOURCES[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {', '.join(SOURCES)}") from None
