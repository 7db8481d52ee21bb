"""The layers as the README draws them: sources are discovered, orchestration is Dagster alone, and
loading the definitions never runs dbt."""

from __future__ import annotations

import ast
import subprocess

import pytest

from catalog.contracts import load_contracts
from lake.settings import PROJECT_ROOT
from transforms import dbt_project
from transforms.source import Source
from transforms.sources import discover, sources


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_raw_contract_has_exactly_one_discovered_loader_and_back():
    raw = {c.id for c in load_contracts().values() if c.layer == "raw"}
    assert set(sources()) == raw
    assert all(isinstance(s, Source) and s.suffixes for s in sources().values())


def test_a_loader_is_found_by_its_SOURCE_alone(tmp_path, monkeypatch):
    package = tmp_path / "toy_transforms"
    (package / "toy_domain").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "toy_domain" / "__init__.py").write_text("")
    (package / "toy_domain" / "helpers.py").write_text("VALUE = 1\n")  # no SOURCE: not a loader
    (package / "toy_domain" / "readings.py").write_text(
        "from transforms.source import Source\nSOURCE = Source('toy_readings', ('toy CSV',), ('.csv',), lambda p, n: None)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    assert list(discover(importlib.import_module("toy_transforms"))) == ["toy_readings"]


def test_every_orchestration_module_uses_dagster_and_no_lower_layer_does():
    for path in (PROJECT_ROOT / "orchestration").rglob("*.py"):
        if path.name == "__init__.py" and not path.read_text().strip():
            continue
        assert "dagster" in _imports(path) or "dagster_dbt" in _imports(path), f"{path} does not use Dagster"
    for layer in ("lake", "catalog", "transforms", "connectors", "quality", "governance"):
        for path in (PROJECT_ROOT / layer).rglob("*.py"):
            assert not {"dagster", "dagster_dbt"} & _imports(path), f"{path} imports Dagster below orchestration/"


def test_loading_definitions_reads_the_cached_manifest_and_never_runs_dbt(tmp_path, monkeypatch):
    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    (project / "models" / "a.sql").write_text("select 1 as a\n")
    (project / "dbt_project.yml").write_text("name: x\n")
    monkeypatch.setattr(dbt_project, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(dbt_project, "MANIFEST", project / "target" / "manifest.json")
    monkeypatch.setattr(dbt_project, "MANIFEST_HASH", project / "target" / "manifest.sha256")

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt was started")

    monkeypatch.setattr(subprocess, "run", no_dbt)
    with pytest.raises(dbt_project.ManifestMissing, match="lakehouse manifest|make setup"):
        dbt_project.cached_manifest()  # nothing prepared: a clear error, not a dbt run
    (project / "target" / "manifest.json").write_text("{}")
    (project / "target" / "manifest.sha256").write_text(dbt_project.project_hash() + "\n")
    assert dbt_project.cached_manifest() == project / "target" / "manifest.json"
    (project / "models" / "a.sql").write_text("select 2 as a\n")  # the project changed: the cache is stale
    with pytest.raises(dbt_project.ManifestMissing):
        dbt_project.cached_manifest()
