"""API keys: read from the environment only, and scrubbed from every message and log line.

data.go.kr issues each key twice, "Encoding" (already percent-encoded) and "Decoding". Either may be put
in the environment: a value holding `%` is decoded here, so the HTTP layer encodes it exactly once.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote, quote_plus, unquote

DATA_GO_KR_KEY_ENV = "LAKEHOUSE_DATA_GO_KR_SERVICE_KEY"  # data.go.kr standard data, KOROAD, 소상공인 (one portal key)
SEOUL_KEY_ENV = "LAKEHOUSE_SEOUL_OPEN_API_KEY"  # 서울 열린데이터광장 Open API key

REDACTED = "***"


class MissingKey(RuntimeError):
    """The environment variable holding a key is unset or blank."""


def read_key(env_var: str, service: str) -> str:
    value = os.environ.get(env_var, "").strip()
    if not value:
        raise MissingKey(f"{service}: no API key; set the environment variable {env_var}")
    return unquote(value) if "%" in value else value


class Redactor:
    """Replaces a key, in every spelling a URL may carry it, with `***`."""

    def __init__(self, *secrets: str) -> None:
        forms = {f for s in secrets if s for f in (s, quote(s, safe=""), quote(s), quote_plus(s))}
        self._forms = sorted(forms, key=len, reverse=True)  # longest first: an encoded form contains the raw head

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """Attached to the loggers of httpx/httpcore, which log request URLs (a Seoul key is in the path)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
