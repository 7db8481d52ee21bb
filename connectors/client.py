"""One small HTTP layer for every connector: GET with timeouts, and retries with exponential backoff on
5xx, timeouts and connection errors. A 4xx is never retried: a bad key or request stays bad.

Every message is built here and redacted; httpx's own exceptions are not chained: their request carries
the full URL (a Seoul key sits in the path, a data.go.kr key in the query).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from connectors.errors import ConnectorError, TransientError
from connectors.secrets import RedactingFilter, Redactor

log = logging.getLogger("connectors")
_URL_LOGGERS = ("httpx", "connectors")  # httpx logs every request URL at INFO


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 5  # tries in all, the first included
    backoff_initial: float = 1.0  # seconds before the 2nd try; doubles each time
    backoff_max: float = 30.0
    user_agent: str = "gangseo-lakehouse-connectors/0.1"


class HttpClient:
    """Use as a context manager: it owns the connection pool and the log redaction for its lifetime."""

    def __init__(self, settings: HttpSettings, redact: Redactor) -> None:
        self._settings = settings
        self._redact = redact
        self._filter = RedactingFilter(redact)
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )

    def __enter__(self) -> HttpClient:
        for name in _URL_LOGGERS:
            logging.getLogger(name).addFilter(self._filter)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._client.close()
        for name in _URL_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)

    def get(self, url: str, params: dict[str, str] | None, what: str) -> bytes:
        """The body of a 2xx answer to GET `url`; `what` (service and page) starts every error message."""
        s = self._settings
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(s.attempts),
            wait=wait_exponential(multiplier=s.backoff_initial, max=s.backoff_max),
            before_sleep=lambda state: log.warning("%s (try %d of %d), retrying", state.outcome.exception(),
                                                   state.attempt_number, s.attempts),
            reraise=True,
        )
        return retrying(self._get_once, url, params, what)

    def _get_once(self, url: str, params: dict[str, str] | None, what: str) -> bytes:
        # Raised outside the except clauses, so no httpx exception (whose request holds the URL) rides along.
        failure = None
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException as exc:
            failure = f"{what}: timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            failure = f"{what}: connection failed ({type(exc).__name__}: {exc})"
        if failure is not None:
            raise TransientError(self._redact(failure))
        if response.is_success:
            return response.content
        detail = self._redact(f"{what}: HTTP {response.status_code} {response.reason_phrase} from "
                              f"{response.request.url.copy_with(query=None)}: {_snippet(response.text)}")
        if response.status_code >= 500:
            raise TransientError(detail)
        raise ConnectorError(detail)

def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
