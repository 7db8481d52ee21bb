"""Connectors: the real HTTP clients that fetch public API sources into the inbox, page by page.

    from connectors import fetch
    fetch(source_id, Path("data/inbox"))                     # every service the source's contract names
    fetch(source_id, Path("data/inbox"), STDR_YYQU_CD="20244")  # a filter overridden (Seoul: the quarter)

Keys come from the environment only (never from arguments, never logged, redacted from every error):
`LAKEHOUSE_DATA_GO_KR_SERVICE_KEY` (data.go.kr: standard data, KOROAD, 소상공인; the portal's Encoding or
Decoding key) and `LAKEHOUSE_SEOUL_OPEN_API_KEY` (서울 열린데이터광장). `registry.services()` reads which
service feeds which source from the raw contracts' `servers` of type `api`.
"""

from connectors.client import HttpSettings
from connectors.errors import ConnectorError
from connectors.fetch import FetchSummary, fetch
from connectors.registry import Service, services
from connectors.secrets import DATA_GO_KR_KEY_ENV, SEOUL_KEY_ENV

__all__ = ["DATA_GO_KR_KEY_ENV", "SEOUL_KEY_ENV", "ConnectorError", "FetchSummary", "HttpSettings",
           "Service", "fetch", "services"]
