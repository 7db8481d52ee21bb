"""`make setup` leaves every module of the project compiled and current, as pip leaves an installed package's:
an editable install's are not, and where PYTHONDONTWRITEBYTECODE is set every process compiled them again."""

import importlib.util
import struct
import subprocess
import tomllib
from pathlib import Path

from lake.settings import PROJECT_ROOT


def _packages() -> list[str]:
    found = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    return sorted(pattern.rstrip("*") for pattern in found["include"])


def _current(source) -> bool:
    """The compiled file records its source's mtime and size (PEP 552's default, timestamp-based form)."""
    compiled = Path(importlib.util.cache_from_source(str(source)))
    if not compiled.exists():
        return False
    header = compiled.read_bytes()[:16]
    mtime, size = struct.unpack("<II", header[8:16])
    stat = source.stat()
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF


def test_setup_compiles_every_module_of_every_installed_package():
    # One compiled file gone: setup makes it again (and compiles whatever a clean clone lacks).
    Path(importlib.util.cache_from_source(str(PROJECT_ROOT / "lake" / "pause_points.py"))).unlink(missing_ok=True)
    subprocess.run(["make", "-s", "setup"], cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=600)
    modules = [path for package in _packages() for path in (PROJECT_ROOT / package).rglob("*.py")]
    assert len(modules) > 100
    assert [str(p.relative_to(PROJECT_ROOT)) for p in modules if not _current(p)] == []
