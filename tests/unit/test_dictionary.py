"""The static bilingual data dictionary: one page per contract, escaped, self-contained, linked, deterministic."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from catalog.contracts import ContractError, load_contracts
from catalog.dictionary import _escape, build_dictionary
from catalog.search import downstream, upstream

_HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """File name → text of every page built from the real contracts."""
    return {p.name: p.read_text(encoding="utf-8") for p in build_dictionary(tmp_path_factory.mktemp("dict"))}


def _row(page: str, column: str) -> str:
    return next(r for r in page.split("<tr>") if f"<code>{column}</code>" in r)


def test_one_page_per_contract_plus_index(built: dict[str, str]) -> None:
    assert set(built) == {"index.html"} | {f"{cid}.html" for cid in load_contracts()}


def test_pages_are_self_contained(built: dict[str, str]) -> None:
    for name, page in built.items():
        assert page.startswith('<!DOCTYPE html>\n<html lang="ko">'), name
        assert '<meta charset="utf-8">' in page, name
        for forbidden in ("<script", "<link", " src=", "http://", "https://", "@import", "url("):
            assert forbidden not in page, (name, forbidden)


def test_childcare_meals_page(built: dict[str, str]) -> None:
    page = built["childcare_meals.html"]
    child_id = _row(page, "child_id")
    assert "아동ID" in child_id
    assert "identified-sensitive" in child_id
    assert "직접식별자 / direct identifier" in child_id
    assert "^CH[0-9]{8}$" in child_id
    assert '<span class="synthetic">합성 데이터 / synthetic</span>' in page
    assert "<code>catalog/contracts/childcare/childcare_meals.yaml</code>" in page
    assert "오전간식" in _row(page, "meal_slot")
    assert 'class="synthetic"' not in built["childcare_centers.html"]


def test_lineage_matches_catalog_search(built: dict[str, str]) -> None:
    for contract in load_contracts().values():
        page = built[f"{contract.id}.html"]
        for label, ids in (("상류 / upstream", upstream(contract)), ("하류 / downstream", downstream(contract))):
            cell = page.split(f"<dt>{label}</dt><dd>")[1].split("</dd>")[0]
            assert _HREF.findall(cell) == [f"{i}.html" for i in ids], (contract.id, label)


def test_index_links_every_page(built: dict[str, str]) -> None:
    linked = set(_HREF.findall(built["index.html"]))
    assert {name for name in built if name != "index.html"} <= linked


def test_every_link_resolves(built: dict[str, str]) -> None:
    for name, page in built.items():
        for href in _HREF.findall(page):
            target, _, anchor = href.partition("#")
            assert target in built, (name, href)
            if anchor:
                assert f'id="{anchor}"' in built[target], (name, href)


def test_contract_values_are_escaped(tmp_path: Path) -> None:
    assert _escape('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    contracts = load_contracts()
    meals = contracts["childcare_meals"]
    table = meals.table
    evil_column = dataclasses.replace(table.columns[0], name_ko="<script>alert(1)</script>")
    evil = dataclasses.replace(
        meals,
        description="<script>alert(2)</script>",
        owners=('<img src=x onerror="alert(3)">',),
        tables=(dataclasses.replace(table, columns=(evil_column, *table.columns[1:])),),
    )
    build_dictionary(tmp_path, {**contracts, "childcare_meals": evil})
    page = (tmp_path / "childcare_meals.html").read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<img" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(3)&quot;&gt;" in index


def test_unsafe_contract_id_is_refused(tmp_path: Path) -> None:
    contracts = load_contracts()
    sneaky = dataclasses.replace(contracts["allergen_codes"], id="../escape")
    with pytest.raises(ContractError, match="file name"):
        build_dictionary(tmp_path / "dict", {**contracts, "../escape": sneaky})
    assert not (tmp_path / "escape.html").exists()


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = build_dictionary(tmp_path / "a")
    second = build_dictionary(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
