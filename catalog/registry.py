"""The purpose register and the pilot register (governance.md §8)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Purpose:
    code: str
    purpose_ko: str
    purpose_en: str
    legal_basis: str
    expandable: bool


@dataclass(frozen=True)
class Pilot:
    id: str
    name_ko: str
    name_en: str
    owner: str
    release: str
    purposes: tuple[str, ...]


@functools.cache
def purposes() -> dict[str, Purpose]:
    data = yaml.safe_load((CATALOG_DIR / "purposes.yaml").read_text(encoding="utf-8"))
    return {p["code"]: Purpose(**p) for p in data["purposes"]}


@functools.cache
def pilots() -> dict[str, Pilot]:
    data = yaml.safe_load((CATALOG_DIR / "pilots.yaml").read_text(encoding="utf-8"))
    return {p["id"]: Pilot(**{**p, "purposes": tuple(p["purposes"])}) for p in data["pilots"]}


@functools.cache
def glossary() -> list[dict]:
    return yaml.safe_load((CATALOG_DIR / "glossary.yaml").read_text(encoding="utf-8"))["terms"]
