"""Which API service feeds which source, with the Gangseo filters each is fetched with by default: read
from the raw contracts' `servers` (type `api`), so a new API source is declared in its contract alone."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from catalog.contracts import load_contracts

from connectors.secrets import DATA_GO_KR_KEY_ENV, SEOUL_KEY_ENV

@dataclass(frozen=True)
class Service:
    source_id: str
    name: str  # the API's service name; also the page files' prefix
    api: Literal["data_go_kr", "seoul"]
    base_url: str  # replaced by fetch(base_url=...), e.g. a test server
    path: str = ""  # after the base URL (data.go.kr); Seoul builds /{KEY}/json/{name}/{start}/{end}
    filters: dict[str, str] = field(default_factory=dict)  # default query filters; fetch params override
    path_params: tuple[str, ...] = ()  # Seoul: optional path segments after {end}, in order
    default: bool = True  # fetched when the source is fetched without naming a service
    rows_per_page: int = 1000  # data.go.kr numOfRows max 1000; Seoul at most 1000 a call

    @property
    def key_env(self) -> str:
        return SEOUL_KEY_ENV if self.api == "seoul" else DATA_GO_KR_KEY_ENV


def _service(source_id: str, server: dict[str, Any]) -> Service:
    custom = {p["property"]: p["value"] for p in server.get("customProperties") or []}
    url = urlsplit(server["location"])
    api = custom["api"]
    return Service(
        source_id=source_id,
        name=server["server"],
        api=api,
        base_url=f"{url.scheme}://{url.netloc}",
        path=url.path if api == "data_go_kr" else "",  # Seoul builds its path per call
        filters={k: str(v) for k, v in (custom.get("filters") or {}).items()},
        path_params=tuple(custom.get("path_params") or ()),
        default=bool(custom.get("default", True)),
    )


@functools.cache
def services() -> tuple[Service, ...]:
    """Every API service, read from the raw contracts' `servers` of type `api` (the contract names where a
    source comes from, with the Gangseo filters it is fetched with and where those codes come from)."""
    found = []
    for contract in load_contracts().values():
        if contract.layer != "raw" or contract.path is None:
            continue
        for server in yaml.safe_load(contract.path.read_text(encoding="utf-8")).get("servers") or []:
            if server.get("type") == "api":
                found.append(_service(contract.id, server))
    return tuple(found)


def services_for(source_id: str, service: str | None = None) -> tuple[Service, ...]:
    """The default services of a source, or the one named; KeyError with the choices otherwise."""
    of_source = tuple(s for s in services() if s.source_id == source_id)
    if not of_source:
        known = sorted({s.source_id for s in services()})
        raise KeyError(f"no API feeds {source_id!r}; sources with connectors: {', '.join(known)}")
    if service is None:
        return tuple(s for s in of_source if s.default)
    chosen = tuple(s for s in of_source if s.name == service)
    if not chosen:
        raise KeyError(f"{source_id} has no service {service!r}; choose {', '.join(s.name for s in of_source)}")
    return chosen
