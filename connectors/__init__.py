"""Connectors: the real HTTP clients that fetch public API sources into the inbox, page by page.

    from connectors import fetch
    fetch("stores", Path("data/inbox"))             # every 강서구 store, pages saved verbatim
    fetch("commerce_sales", Path("data/inbox"), STDR_YYQU_CD="20244")

Keys come from the environment only (never from arguments, never logged, redacted from every error):
`LAKEHOUSE_DATA_GO_KR_SERVICE_KEY` (data.go.kr: standard data, KOROAD, 소상공인; the portal's Encoding or
Decoding key) and `LAKEHOUSE_SEOUL_OPEN_API_KEY` (서울 열린데이터광장). `registry.SERVICES` says which
service feeds which source.
"""

from connectors.client import HttpSettings
from connectors.errors import ConnectorError
from connectors.fetch import FetchSummary, fetch
from connectors.registry import SERVICES, Service
from connectors.secrets import DATA_GO_KR_KEY_ENV, SEOUL_KEY_ENV

__all__ = ["DATA_GO_KR_KEY_ENV", "SEOUL_KEY_ENV", "SERVICES", "ConnectorError", "FetchSummary", "HttpSettings",
           "Service", "fetch"]
