"""Reading the catalog's YAML files with libyaml's parser (PyYAML's C loader: ~10x the pure-Python one).

Loading the Dagster definitions parses every contract; with the pure-Python loader that alone took seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader ships in PyYAML's wheels


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


def read_yaml(path: Path) -> Any:
    return load_yaml(Path(path).read_text(encoding="utf-8"))
