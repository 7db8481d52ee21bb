"""Paging through one service, saving each page as it arrives (reference §11.6).

data.go.kr: `pageNo`/`numOfRows` until the rows seen reach `totalCount` (or a page comes back empty).
Seoul: `{start}/{end}` windows of at most 1,000 rows until `list_total_count`; INFO-200 = no rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from connectors.client import HttpClient
from connectors.envelopes import Page, UnreadablePage, read_data_go_kr, read_seoul
from connectors.errors import ConnectorError
from connectors.inbox import PageSet
from connectors.registry import Service

PROTOCOL_PARAMS = {"serviceKey", "pageNo", "numOfRows", "type", "returnType", "dataType"}
MAX_PAGES = 10_000  # a server that never stops paging is a bug, not data


@dataclass(frozen=True)
class Paged:
    pages: int
    rows: int
    total_count: int


def page_data_go_kr(http: HttpClient, service: Service, base_url: str, key: str, filters: dict[str, str],
                    pages: PageSet, rows_per_page: int) -> Paged:
    url = base_url.rstrip("/") + service.path

    def request(page_no: int) -> bytes:
        query = {**filters, "serviceKey": key, "pageNo": str(page_no), "numOfRows": str(rows_per_page), "type": "json"}
        return http.get(url, query, f"{service.name} page {page_no}")

    return _page(service, request, read_data_go_kr, pages, rows_per_page, "resultCode")


def page_seoul(http: HttpClient, service: Service, base_url: str, key: str, segments: list[str],
               pages: PageSet, rows_per_page: int) -> Paged:
    tail = "".join(f"/{quote(s, safe='')}" for s in segments)

    def request(page_no: int) -> bytes:
        start = (page_no - 1) * rows_per_page + 1
        url = f"{base_url.rstrip('/')}/{quote(key, safe='')}/json/{service.name}/{start}/{start + rows_per_page - 1}{tail}"
        return http.get(url, None, f"{service.name} rows {start}-{start + rows_per_page - 1}")

    return _page(service, request, lambda content: read_seoul(content, service.name), pages, rows_per_page, "RESULT.CODE")


def _page(service: Service, request: Callable[[int], bytes], read: Callable[[bytes], Page], pages: PageSet,
          rows_per_page: int, code_name: str) -> Paged:
    rows, total = 0, None
    for page_no in range(1, MAX_PAGES + 1):
        content = request(page_no)
        try:
            page = read(content)
        except UnreadablePage as exc:
            raise ConnectorError(f"{service.name} page {page_no}: unreadable answer: {exc}") from None
        if page.status == "error":
            raise ConnectorError(f"{service.name} page {page_no}: {code_name} {page.code}: {page.message or '(no message)'}")
        pages.add(page_no, content)
        rows += len(page.rows)
        if page.total is not None and (page.rows or total is None):  # an empty last page keeps the earlier total
            total = page.total
        done = rows >= total if total is not None else len(page.rows) < rows_per_page
        if page.status == "empty" or done:
            return Paged(page_no, rows, rows if total is None else total)
    raise ConnectorError(f"{service.name}: still paging after {MAX_PAGES} pages")
