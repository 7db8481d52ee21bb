"""Cell text as published tables carry it: BOMs, no-break spaces and runs of whitespace."""

from __future__ import annotations

import re


def clean(text: object) -> str:
    """A cell as text: BOM and no-break spaces removed, runs of whitespace collapsed, trimmed."""
    return re.sub(r"\s+", " ", str(text).replace("\ufeff", "").replace("\xa0", " ")).strip()


def compact(text: object) -> str:
    return clean(text).replace(" ", "")
