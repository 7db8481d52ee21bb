"""Commerce sources: one Source per contract in catalog/contracts/commerce/."""

from transforms.source import Source

SOURCES: tuple[Source, ...] = ()
