"""Dagster resources: the lake (paths and catalog) and the dbt CLI."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from lake.catalog_backend import hide_secrets
from lake.run_lock import run_lock
from lake.settings import DBT_PROJECT_DIR, Settings
from orchestration.lib.selection import run_scope


def _by_name(variable: str, value: str) -> str | dg.EnvVar:
    """The environment variable itself when the value came from it: the UI's resource page then shows its
    name, never a password inside it."""
    return dg.EnvVar(variable) if value and os.environ.get(variable) == value else value


def _catalog_by_name(catalog: str) -> str | dg.EnvVar:
    """The catalog, shown by its variable's name. A catalog with a password given in code rather than in
    LAKEHOUSE_CATALOG (tests, a second lake) gets a variable of its own in this process, named after a
    digest of it (LAKEHOUSE_CATALOG_<8 hex>): the resource page must never show the password."""
    if os.environ.get("LAKEHOUSE_CATALOG") == catalog or not catalog:
        return _by_name("LAKEHOUSE_CATALOG", catalog)
    if hide_secrets(catalog, Settings(Path("."), Path("."), catalog).catalog_uri) == catalog:
        return catalog  # nothing secret in it
    variable = f"LAKEHOUSE_CATALOG_{hashlib.sha256(catalog.encode()).hexdigest()[:8].upper()}"
    os.environ[variable] = catalog
    return dg.EnvVar(variable)


class LakeResource(dg.ConfigurableResource):
    data_dir: str
    key_dir: str
    catalog: str = ""
    iceberg_catalog: str = ""
    iceberg_warehouse: str = ""
    data_url: str = ""  # s3://… (no credential: those stay in the AWS variables, never in the UI)
    run_lock_wait_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "LakeResource":
        return cls(data_dir=str(settings.data_dir), key_dir=str(settings.key_dir), catalog=_catalog_by_name(settings.catalog),
                   iceberg_catalog=_by_name("LAKEHOUSE_ICEBERG_CATALOG_URL", settings.iceberg_catalog),
                   iceberg_warehouse=settings.iceberg_warehouse, data_url=settings.data_url)

    def settings(self) -> Settings:
        return Settings(Path(self.data_dir), Path(self.key_dir), self.catalog,
                        iceberg_catalog=self.iceberg_catalog, iceberg_warehouse=self.iceberg_warehouse,
                        data_url=self.data_url)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["LakeResource"]:
        """Every run holds the run lock of the domains its tags name (all without), however it was launched
        (`lakehouse run` already holds it: re-entrant; a run the daemon launches takes it here, once per run)."""
        tags = context.dagster_run.tags if context.dagster_run else {}
        with run_lock(self.settings(), self.run_lock_wait_seconds, run_scope(tags)):
            yield self


class LakeDbtCli(DbtCliResource):
    """The dbt CLI without dagster-dbt's in-process dbt adapter. dagster-dbt builds one at every `cli()` call
    (~2 s and ~40 MiB in the run's interpreter, while dbt's own process runs beside it) only to fetch row counts
    and column metadata, which the project does not ask for. Nor does it start `dbt --version` (~3 s, dbt's
    imports) to learn dbt's version in every run: the venv's dbt is the dbt-core installed beside this code."""

    def _initialize_dbt_core_adapter(self, args):  # dagster-dbt 0.29's hook; its dbt Fusion path has no adapter either
        return None

    @cached_property
    def _cli_version(self):  # dagster-dbt 0.29 asks `dbt --version` for the major version (Fusion is 2)
        from packaging import version

        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_cli() -> LakeDbtCli:
    return LakeDbtCli(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(Path(sys.executable).with_name("dbt")),  # the venv's dbt, PATH or not
    )


def definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(resources={"lake": LakeResource.from_settings(settings), "dbt": dbt_cli()})
