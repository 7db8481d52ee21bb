"""The Dagster code location: assets, checks, the main job and its schedule, resources."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt_assets import build_dbt_assets
from orchestration.assets.ingest_assets import RAW_ASSETS, SOURCE_SPECS
from orchestration.assets.release_assets import RELEASE_ASSETS, analyst_db
from orchestration.checks.gx_checks import GX_CHECKS
from orchestration.checks.privacy_checks import PRIVACY_CHECKS
from orchestration.resources import resources
from orchestration.settings import Settings

# In-process on purpose: on 2 cores the multiprocess executor spends ~2.6 s per step re-importing
# (stack-notes.md), and the lake has one writer anyway.
MAIN_JOB = dg.define_asset_job(
    "lakehouse_main",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every inbox file, run all checks, build staging, marts, releases and the analyst DB.",
)


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[*SOURCE_SPECS, *RAW_ASSETS, build_dbt_assets(settings), *RELEASE_ASSETS, analyst_db],
        asset_checks=[*GX_CHECKS, *PRIVACY_CHECKS],
        jobs=[MAIN_JOB],
        schedules=[dg.ScheduleDefinition(job=MAIN_JOB, cron_schedule="0 6 * * *", execution_timezone="Asia/Seoul")],
        resources=resources(settings),
    )


defs = build_definitions(Settings.from_env())
