"""Reading one response page: its result code, its rows and its total (reference §0.2, §3.1, §5.2, §6).

Pure functions over the bytes the server sent; the pagers decide what a code means for the fetch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

DATA_GO_KR_OK = {"00", "0"}  # standard data "00" NORMAL_SERVICE; the 1741000 APIs answer "0" 정상
DATA_GO_KR_NODATA = {"03", "3"}  # NODATA_ERROR
SEOUL_OK, SEOUL_EMPTY = "INFO-000", "INFO-200"  # INFO-200 해당하는 데이터가 없습니다


class UnreadablePage(ValueError):
    """Not an envelope this API sends."""


@dataclass(frozen=True)
class Page:
    status: Literal["ok", "empty", "error"]
    code: str
    message: str
    rows: list[dict[str, Any]]
    total: int | None  # totalCount / list_total_count when the page carries it


def read_data_go_kr(content: bytes) -> Page:
    """The data.go.kr family: `{"response": {"header", "body"}}` (standard data, 1741000), KOROAD's
    unwrapped `{"resultCode", "items", "totalCount"}`, and the 소상공인 `{"header", "body"}`.
    `items` may be a list, `{"item": [...]}`, `{"item": {...}}` for one row, `""` or null."""
    text = content.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("<"):
        return _gateway_xml(text)
    document = _json(text)
    root = document.get("response", document)
    if not isinstance(root, dict):
        raise UnreadablePage("'response' is not an object")
    header = root.get("header") if isinstance(root.get("header"), dict) else root
    body = root.get("body") if isinstance(root.get("body"), dict) else root
    if "resultCode" not in header:
        raise UnreadablePage("no resultCode")
    code, message = str(header["resultCode"]).strip(), str(header.get("resultMsg", "")).strip()
    rows = _items(body.get("items"))
    total = _count(body.get("totalCount"))
    if code in DATA_GO_KR_OK:
        return Page("ok" if rows else "empty", code, message, rows, total)
    if code in DATA_GO_KR_NODATA:
        return Page("empty", code, message, [], 0)
    return Page("error", code, message, [], total)


def read_seoul(content: bytes, service: str) -> Page:
    """`{SERVICE: {"list_total_count", "RESULT": {"CODE", "MESSAGE"}, "row": [...]}}`; errors and
    INFO-200 may come without the service wrapper, as `{"RESULT": {...}}`."""
    document = _json(content.decode("utf-8-sig", errors="replace"))
    envelope = document.get(service, document)
    if not isinstance(envelope, dict):
        raise UnreadablePage(f"{service!r} is not an object")
    result = envelope.get("RESULT")
    if not isinstance(result, dict) or "CODE" not in result:
        raise UnreadablePage("no RESULT.CODE")
    code, message = str(result["CODE"]).strip(), str(result.get("MESSAGE", "")).strip()
    if code == SEOUL_EMPTY:
        return Page("empty", code, message, [], 0)
    if code != SEOUL_OK:
        return Page("error", code, message, [], None)
    if service not in document:
        raise UnreadablePage(f"INFO-000 without the {service} wrapper")
    rows = envelope.get("row") or []
    if not isinstance(rows, list):
        raise UnreadablePage("'row' is not a list")
    return Page("ok" if rows else "empty", code, message, rows, _count(envelope.get("list_total_count")))


def _json(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadablePage(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise UnreadablePage("not a JSON object")
    return document


def _items(items: Any) -> list[dict[str, Any]]:
    if items in (None, ""):
        return []
    if isinstance(items, dict):
        items = items.get("item")
        if items in (None, ""):
            return []
    if isinstance(items, dict):
        return [items]
    if isinstance(items, list) and all(isinstance(i, dict) for i in items):
        return items
    raise UnreadablePage(f"items of an unknown shape ({type(items).__name__})")


def _count(value: Any) -> int | None:
    """Counts arrive as numbers or as strings ("12714")."""
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise UnreadablePage(f"count {value!r} is not a number") from None


def _gateway_xml(text: str) -> Page:
    """The data.go.kr gateway answers key and quota errors in XML whatever `type` was asked:
    `<OpenAPI_ServiceResponse><cmmMsgHeader><returnAuthMsg>…<returnReasonCode>30`; an API without
    JSON output answers `<response><header><resultCode>`."""
    try:
        root = SafeET.fromstring(text)  # a gateway never declares entities: refuse them (XXE, bombs)
    except SafeET.ParseError as exc:
        raise UnreadablePage(f"not JSON, and not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise UnreadablePage(f"refused XML ({exc}): entity declarations and external references are not accepted") from None

    def first(*tags: str) -> str:
        for tag in tags:
            node = root.find(f".//{tag}")
            if node is not None and (node.text or "").strip():
                return node.text.strip()
        return ""

    code = first("returnReasonCode", "resultCode")
    message = first("returnAuthMsg", "errMsg", "resultMsg")
    if not code:
        raise UnreadablePage(f"XML <{root.tag}> without a result code")
    if code in DATA_GO_KR_OK | DATA_GO_KR_NODATA:
        raise UnreadablePage("XML answer although type=json was asked")  # the loaders read JSON pages
    return Page("error", code, message, [], None)
