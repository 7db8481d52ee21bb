"""Safety sources: one Source per contract in catalog/contracts/safety/."""

from transforms.source import Source

SOURCES: tuple[Source, ...] = ()
