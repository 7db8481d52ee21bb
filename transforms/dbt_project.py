"""The dbt project's manifest, prepared once and cached by the project's content hash.

Loading the Dagster definitions only reads this cache; `make setup` (and the commands that run dbt:
`lakehouse run`, `lakehouse ui`) prepare it first, so importing the definitions never starts dbt.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

from lake.settings import DBT_PROJECT_DIR, Settings

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
MANIFEST_HASH = DBT_PROJECT_DIR / "target" / "manifest.sha256"
_INPUTS = ("models", "seeds", "macros", "tests", "dbt_project.yml", "profiles.yml")


class ManifestMissing(RuntimeError):
    pass


def project_hash() -> str:
    """sha256 over every input file of the project, path and content, in a stable order."""
    digest = hashlib.sha256()
    for name in _INPUTS:
        root = DBT_PROJECT_DIR / name
        for path in sorted([root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())):
            digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def manifest_is_current() -> bool:
    return MANIFEST.exists() and MANIFEST_HASH.exists() and MANIFEST_HASH.read_text().strip() == project_hash()


def cached_manifest() -> Path:
    """The manifest for the project as it is now; never runs dbt."""
    if not manifest_is_current():
        raise ManifestMissing(
            f"{MANIFEST} is missing or older than the dbt project: run `lakehouse manifest` (or `make setup`)")
    return MANIFEST


def prepare_manifest(settings: Settings) -> Path:
    """`dbt parse` when the cached manifest does not match the project's content hash; one process at a time
    (runs of two domains start together, and a half-written manifest.json must not be read)."""
    if manifest_is_current():
        return MANIFEST
    MANIFEST.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(MANIFEST.parent / ".parse.lock")):
        if not manifest_is_current():
            _parse(settings)
    return MANIFEST


def _parse(settings: Settings) -> None:
    expected = project_hash()
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR)],
        check=True,
        env={**os.environ, **settings.env()},
    )
    MANIFEST_HASH.write_text(expected + "\n")
