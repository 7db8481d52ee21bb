"""The purpose, pilot, agreement and audience registers (governance.md §5, §8)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from catalog.yaml_files import read_yaml

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
    data = read_yaml(CATALOG_DIR / "purposes.yaml")
    return {p["code"]: Purpose(**p) for p in data["purposes"]}


@functools.cache
def pilots() -> dict[str, Pilot]:
    data = read_yaml(CATALOG_DIR / "pilots.yaml")
    return {p["id"]: Pilot(**{**p, "purposes": tuple(p["purposes"])}) for p in data["pilots"]}


@dataclass(frozen=True)
class Audience:
    """An analyst role with its own analyst database; which marts it gets is said by each mart's contract."""

    id: str
    name_ko: str
    name_en: str
    description: str


@functools.cache
def audiences() -> dict[str, Audience]:
    data = read_yaml(CATALOG_DIR / "audiences.yaml")
    return {a["id"]: Audience(**a) for a in data["audiences"]}


@functools.cache
def glossary() -> list[dict]:
    return read_yaml(CATALOG_DIR / "glossary.yaml")["terms"]


@dataclass(frozen=True)
class Agreement:
    """A data-use agreement: pilot, purpose, legal basis, allowed tables and columns, approver, validity."""

    id: str
    pilot: str
    kind: str  # "release" or "operational"
    purpose_code: str
    legal_basis: str
    recipient: str
    approver: str
    approved_on: date
    valid_from: date
    valid_to: date
    roles: tuple[str, ...]
    datasets: dict[str, tuple[str, ...]]

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


@functools.cache
def agreements() -> dict[str, Agreement]:
    data = read_yaml(CATALOG_DIR / "agreements.yaml")
    return {a["id"]: Agreement(**{**a, "roles": tuple(a["roles"]),
                                  "datasets": {t: tuple(cols) for t, cols in a["datasets"].items()}})
            for a in data["agreements"]}
