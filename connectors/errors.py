"""The one error a fetch raises. Its message names the service and never holds a key."""


class ConnectorError(RuntimeError):
    """A fetch failed: HTTP status, API result code, unreadable body, or retries exhausted."""


class TransientError(ConnectorError):
    """5xx, timeout or connection failure: worth another try."""
