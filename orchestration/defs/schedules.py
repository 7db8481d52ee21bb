"""The main job and when it runs: `lakehouse run`, the inbox sensor and a nightly catch-up.

All three run the same plan (transforms/run_plan.py) through the same selection (orchestration/lib/selection.py):
what new inbox files reach, or everything after a contract or dbt change. The sensor and the schedule only
run under the Dagster daemon (`dagster-daemon run` with the same DAGSTER_HOME, data/dagster_home) and are off
until an operator turns them on; every run, however launched, holds the run lock (orchestration/defs/resources.py).
A run's tags carry its plan, so a successful run, however launched, clears its sources from the pending list.
"""

import dagster as dg

from lake.settings import Settings
from orchestration.lib.run_log import LOGGER_KEY, lakehouse_log
from orchestration.lib.selection import plan_from_tags, plan_tags, planned_keys
from transforms.run_plan import RunPlan, plan_run, record_start, record_success

# In-process on purpose: on 2 cores the multiprocess executor spends ~2.6 s per step re-importing
# (stack-notes.md), and the lake has one writer anyway.
MAIN_JOB = dg.define_asset_job(
    "lakehouse_main",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest new inbox files and build what they reach: checks, staging, marts, releases, analyst DBs.",
)
def _run_request(context, plan: RunPlan) -> dg.RunRequest:
    settings = Settings.from_env()  # the daemon's environment is the code location's
    record_start(settings, plan)
    return dg.RunRequest(asset_selection=planned_keys(context.repository_def.asset_graph, plan),
                         tags=plan_tags(plan), run_config={"loggers": {LOGGER_KEY: {"config": {}}}})


def _main_job_busy(context) -> bool:
    busy = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
            dg.DagsterRunStatus.STARTED]
    return bool(context.instance.get_run_ids(dg.RunsFilter(job_name=MAIN_JOB.name, statuses=busy), limit=1))


@dg.sensor(job=MAIN_JOB, minimum_interval_seconds=120, default_status=dg.DefaultSensorStatus.STOPPED,
           description="New files in the inbox: run what they reach (the same plan as `lakehouse run`).")
def inbox_sensor(context: dg.SensorEvaluationContext):
    if _main_job_busy(context):
        return dg.SkipReason("a main job is queued or running")
    plan = plan_run(Settings.from_env())
    if not plan.new_files and not plan.full:
        return dg.SkipReason(plan.reason if plan.nothing_to_do else "no new file; left-overs wait for the nightly run")
    return _run_request(context, plan)


@dg.schedule(job=MAIN_JOB, cron_schedule="0 6 * * *", execution_timezone="Asia/Seoul",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Nightly catch-up: the plan, including sources left over from a run that did not succeed.")
def nightly(context: dg.ScheduleEvaluationContext):
    plan = plan_run(Settings.from_env())
    return dg.SkipReason(plan.reason) if plan.nothing_to_do else _run_request(context, plan)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[MAIN_JOB],
                      default_status=dg.DefaultSensorStatus.RUNNING,
                      description="A successful main job clears its sources from the pending list.")
def clear_pending_on_success(context: dg.RunStatusSensorContext):
    plan = plan_from_tags(context.dagster_run.tags)
    if plan is not None:
        record_success(Settings.from_env(), plan)


def definitions() -> dg.Definitions:
    return dg.Definitions(jobs=[MAIN_JOB], schedules=[nightly], sensors=[inbox_sensor, clear_pending_on_success],
                          loggers={LOGGER_KEY: lakehouse_log})
