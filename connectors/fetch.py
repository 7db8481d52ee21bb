"""`fetch(source_id, inbox_dir, **params)`: every page of the source's API service(s) into the inbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.client import HttpClient, HttpSettings
from connectors.errors import ConnectorError
from connectors.inbox import PageSet, page_prefix
from connectors.pagers import PROTOCOL_PARAMS, Paged, page_data_go_kr, page_seoul
from connectors.registry import Service, services_for
from connectors.secrets import MissingKey, Redactor, read_key


@dataclass(frozen=True)
class FetchSummary:
    source_id: str
    services: tuple[str, ...]
    pages: int
    rows: int
    total_count: int  # what the API said it holds; rows == total_count on a complete fetch
    files: tuple[Path, ...]

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source_id, "services": list(self.services), "pages": self.pages, "rows": self.rows,
                "total_count": self.total_count, "files": [str(f) for f in self.files]}


def fetch(source_id: str, inbox_dir: Path, *, service: str | None = None, base_url: str | None = None,
          http: HttpSettings | None = None, rows_per_page: int | None = None, **params: str) -> FetchSummary:
    """Fetch the source's default services (or the one named by `service`) with their Gangseo filters,
    overridden or extended by `params` (query filters for data.go.kr, path segments such as
    `STDR_YYQU_CD="20244"` for Seoul). Raises ConnectorError (KeyError for an unknown source/service)."""
    chosen = services_for(source_id, service)
    params = {k: str(v) for k, v in params.items()}
    results: list[tuple[Paged, tuple[Path, ...]]] = []
    for svc in chosen:
        try:
            key = read_key(svc.key_env, svc.name)
        except MissingKey as exc:
            raise ConnectorError(str(exc)) from None  # holds no key: there is none
        redact = Redactor(key)
        failure = None
        try:
            results.append(_fetch_service(svc, Path(inbox_dir), key, redact, base_url, http or HttpSettings(),
                                          rows_per_page or svc.rows_per_page, params))
        except ConnectorError as exc:
            failure = type(exc)(redact(f"{source_id}: {exc}"))  # the server's own text may echo the key
        if failure is not None:
            raise failure  # outside the except clause: the unredacted error is not chained to it
    return FetchSummary(
        source_id=source_id,
        services=tuple(s.name for s in chosen),
        pages=sum(p.pages for p, _ in results),
        rows=sum(p.rows for p, _ in results),
        total_count=sum(p.total_count for p, _ in results),
        files=tuple(f for _, files in results for f in files),
    )


def _fetch_service(svc: Service, inbox_dir: Path, key: str, redact: Redactor, base_url: str | None,
                   http_settings: HttpSettings, rows_per_page: int, params: dict[str, str]) -> tuple[Paged, tuple[Path, ...]]:
    base, size = base_url or svc.base_url, min(rows_per_page, 1000)  # both APIs cap a call at 1,000 rows
    if svc.api == "seoul":
        unknown = set(params) - set(svc.path_params)
        if unknown:
            raise ConnectorError(f"{svc.name} takes only {', '.join(svc.path_params) or 'no parameters'}; "
                                 f"not {', '.join(sorted(unknown))}")
        prefix = page_prefix(svc.name, params)
        segments = _path_segments(svc.path_params, params)
        run = lambda client, pages: page_seoul(client, svc, base, key, segments, pages, size)  # noqa: E731
    else:
        reserved = PROTOCOL_PARAMS & set(params)
        if reserved:
            raise ConnectorError(f"{svc.name}: {', '.join(sorted(reserved))} are set by the connector, not as filters")
        filters = {**svc.filters, **params}
        prefix = page_prefix(svc.name, filters)
        run = lambda client, pages: page_data_go_kr(client, svc, base, key, filters, pages, size)  # noqa: E731
    with HttpClient(http_settings, redact) as client, PageSet(inbox_dir / svc.source_id, prefix) as pages:
        return run(client, pages), pages.commit()

def _path_segments(names: tuple[str, ...], params: dict[str, str]) -> list[str]:
    """Optional positional segments: trailing omitted ones are dropped, inner ones sent as a space
    (the Seoul Open API's placeholder for a skipped optional argument)."""
    values = [params.get(n, "") for n in names]
    while values and not values[-1]:
        values.pop()
    return [v or " " for v in values]

