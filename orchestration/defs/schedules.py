"""The main job and when it runs."""

import dagster as dg

# In-process on purpose: on 2 cores the multiprocess executor spends ~2.6 s per step re-importing
# (stack-notes.md), and the lake has one writer anyway.
MAIN_JOB = dg.define_asset_job(
    "lakehouse_main",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every inbox file, run all checks, build staging, marts, releases and the analyst DB.",
)


def definitions() -> dg.Definitions:
    return dg.Definitions(
        jobs=[MAIN_JOB],
        schedules=[dg.ScheduleDefinition(job=MAIN_JOB, cron_schedule="0 6 * * *", execution_timezone="Asia/Seoul")],
    )
