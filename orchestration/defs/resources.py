"""Dagster resources: the lake (paths and catalog) and the dbt CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from lake.settings import DBT_PROJECT_DIR, Settings


class LakeResource(dg.ConfigurableResource):
    data_dir: str
    key_dir: str
    catalog: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "LakeResource":
        return cls(data_dir=str(settings.data_dir), key_dir=str(settings.key_dir), catalog=settings.catalog)

    def settings(self) -> Settings:
        return Settings(Path(self.data_dir), Path(self.key_dir), self.catalog)


def definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(resources={
        "lake": LakeResource.from_settings(settings),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=str(Path(sys.executable).with_name("dbt")),  # the venv's dbt, PATH or not
        ),
    })
