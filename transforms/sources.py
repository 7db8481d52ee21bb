"""The registry of sources, discovered: every module of a domain folder under transforms/ that defines
`SOURCE` is a loader. A new source is its contract, its loader module and its staging model; nothing
here lists them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

import transforms
from transforms.source import Source


def loader_modules(package: ModuleType = transforms) -> list[ModuleType]:
    """The modules one level inside the domain packages of `package` (transforms/<domain>/<module>.py)."""
    modules = []
    for domain in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        if not domain.ispkg:
            continue
        sub = importlib.import_module(domain.name)
        modules += [importlib.import_module(m.name) for m in pkgutil.iter_modules(sub.__path__, f"{sub.__name__}.")
                    if not m.ispkg]
    return modules


def discover(package: ModuleType = transforms) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for module in loader_modules(package):
        source = getattr(module, "SOURCE", None)
        if not isinstance(source, Source):
            continue
        if source.id in found:
            raise ValueError(f"two loaders declare source {source.id!r}: {module.__name__} and another module")
        found[source.id] = source
    return dict(sorted(found.items()))


@functools.cache
def sources() -> dict[str, Source]:
    return discover()


def get_source(source_id: str) -> Source:
    try:
        return sources()[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {', '.join(sources())}") from None
