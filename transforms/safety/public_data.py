"""What the public safety loaders share (korean-public-data.md §0, §11).

* `api_items`: the rows of a data.go.kr / LOCALDATA / KOROAD JSON response page (or of a JSON list of
  pages): `response.header/body` or KOROAD's unwrapped `resultCode/items`; `items` as a list, as
  `{"item": [...]}` or as `{"item": {...}}` when one row matched; `""`/`null` as an empty result.
* `source_field`: which field of a parsed frame feeds a contract column (through the contract's
  synonyms, so the contract stays the one place that names them).
* `clean`: the text the validator will see (trimmed, null tokens as null), for columns a loader derives.
* `read_on`: the day the file is read (Asia/Seoul), the bound of no-future-dates rules (`x <= read_on`).
* `gangseo_flag`: the `in_gangseo` column, derived in the loader so raw, staging and marts share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo
from typing import Any

import polars as pl

from catalog.contracts import Table
from transforms.records import NULL_TOKENS, ROW_NUMBER, ParseError, json_text, normalise_name, string_frame

GANGSEO_ORG_CODE = "3150000"  # 자치단체(기관)코드: OPN_ATMY_GRP_CD, insttCode, 제공기관코드
GANGSEO_SIGUNGU_CODE = "11500"  # 행안부 시군구코드: prefix of 법정동/행정동 codes
# 서울 강서구 only: 부산광역시 강서구 exists too, so the city must precede the gu.
GANGSEO_ADDRESS = r"^\s*서울(?:특별시|시)?\s*강서구(?:\s|$)"
# Result codes of a normal answer (data.go.kr "00", LOCALDATA 1741000 "0") and of "no data" (data.go.kr "03").
_OK_CODES = {"00", "0", "000", "INFO-000"}
_NO_DATA_CODES = {"03", "INFO-200"}


def _page_items(page: Any, name: str) -> list[dict]:
    if not isinstance(page, dict):
        raise ParseError(f"{name}: expected a JSON object per response page, found {type(page).__name__}")
    wrapper = page.get("response", page)
    if not isinstance(wrapper, dict):
        raise ParseError(f"{name}: 'response' is not an object")
    header = wrapper.get("header") if isinstance(wrapper.get("header"), dict) else wrapper
    body = wrapper.get("body") if isinstance(wrapper.get("body"), dict) else wrapper
    code = header.get("resultCode")
    if code is not None and str(code) not in _OK_CODES:
        if str(code) in _NO_DATA_CODES:
            return []
        raise ParseError(f"{name}: API result {code}: {header.get('resultMsg')}")
    if "items" not in body:
        raise ParseError(f"{name}: no data.go.kr or KOROAD envelope (expected response.body.items or items)")
    items = body["items"]
    if isinstance(items, dict):
        items = items.get("item")
    if items in ("", None):
        return []
    if isinstance(items, dict):  # one matching row comes as an object, not a list
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ParseError(f"{name}: items are not a list of objects")
    return items


def api_items(document: Any, name: str) -> list[dict[str, str | None]]:
    """Rows of one response page, or of a JSON list of pages in order, every value as text."""
    pages = document if isinstance(document, list) else [document]
    return [{k: json_text(v) for k, v in item.items()} for page in pages for item in _page_items(page, name)]


def items_frame(items: list[dict], fields: Iterable[str]) -> pl.DataFrame:
    """Items as strings keyed by their own fields; an empty page gets the layout's `fields` as columns."""
    columns = list(dict.fromkeys(k for item in items for k in item)) if items else list(fields)
    return string_frame(items, columns, range(1, len(items) + 1))


def source_field(frame: pl.DataFrame, table: Table, column: str) -> str | None:
    """The frame's field that maps onto contract `column` (its name or a synonym), if present."""
    aliases = {normalise_name(a) for a in (column, *table.column(column).source_names)}
    return next((f for f in frame.columns if f != ROW_NUMBER and normalise_name(f) in aliases), None)


def clean(field: str | None) -> pl.Expr:
    """The field as the validator will read it: trimmed, null tokens as null (a null literal if absent)."""
    if field is None:
        return pl.lit(None, pl.String)
    return pl.col(field).str.strip_chars().replace(NULL_TOKENS, None)


def read_on() -> pl.Expr:
    return pl.lit(datetime.now(ZoneInfo("Asia/Seoul")).date().isoformat()).alias("read_on")


def gangseo_flag(codes: Iterable[pl.Expr], addresses: Iterable[pl.Expr], prefixes: Iterable[pl.Expr] = ()) -> pl.Expr:
    """'true' when an agency code is 강서구's, a 법정동/행정동 code starts with 11500, or an address is in
    서울 강서구; else 'false'. Text, like every parsed field; the contract types it BOOLEAN."""
    hits = [c == GANGSEO_ORG_CODE for c in codes]
    hits += [p.str.starts_with(GANGSEO_SIGUNGU_CODE) for p in prefixes]
    hits += [a.str.contains(GANGSEO_ADDRESS) for a in addresses]
    return pl.when(pl.any_horizontal([h.fill_null(False) for h in hits])).then(pl.lit("true")).otherwise(pl.lit("false"))
