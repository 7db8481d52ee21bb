"""A run's events go to its log file, finished steps to the listeners, and nothing to the console."""

import dagster as dg

from orchestration.lib.run_log import LOGGER_KEY, close_run_log, lakehouse_log, listening, run_config, run_file_log


@dg.asset
def fine(context: dg.AssetExecutionContext) -> int:
    context.log.info("fine asset ran")
    return 1


@dg.asset
def chatty(context: dg.AssetExecutionContext) -> int:
    run_file_log(context.run.run_id).debug("dbt: 1 of 366 START sql table model")
    return 1


@dg.asset
def broken(fine: int) -> int:
    raise ValueError("meal_scan.csv: line 7 is not CP949")


def test_every_event_goes_to_the_file_and_each_finished_step_to_the_listener(settings, capfd):
    job = dg.define_asset_job("job", executor_def=dg.in_process_executor)
    defs = dg.Definitions(assets=[fine, broken], jobs=[job], loggers={LOGGER_KEY: lakehouse_log})
    heard = []
    with listening(lambda *step: heard.append(step)):
        result = defs.resolve_job_def("job").execute_in_process(
            run_id="a1b2c3d4-0000-0000-0000-000000000000", raise_on_error=False,
            run_config=run_config(settings, "a1b2c3d4-0000-0000-0000-000000000000"))
    close_run_log("a1b2c3d4-0000-0000-0000-000000000000")
    assert not result.success
    log = (settings.data_dir / "logs" / "run-a1b2c3d4-0000-0000-0000-000000000000.log").read_text()
    assert "fine asset ran" in log and "STEP_SUCCESS" in log and "STEP_FAILURE" in log and "DEBUG" in log
    assert [(step, outcome) for step, outcome, *_ in heard] == [("fine", "success"), ("broken", "failure")]
    assert "meal_scan.csv: line 7 is not CP949" in heard[1][3]
    console = capfd.readouterr()
    assert "STEP_SUCCESS" not in console.out + console.err and "DEBUG" not in console.out + console.err
    assert oct((settings.data_dir / "logs").stat().st_mode & 0o777) == "0o700"


def test_a_librarys_lines_go_to_the_file_but_not_to_the_event_log(settings):
    run_id = "a1b2c3d4-0000-0000-0000-000000000001"
    defs = dg.Definitions(assets=[chatty], jobs=[dg.define_asset_job("job", executor_def=dg.in_process_executor)],
                          loggers={LOGGER_KEY: lakehouse_log})
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("job").execute_in_process(run_id=run_id, instance=instance,
                                                                run_config=run_config(settings, run_id))
        stored = [entry.user_message for entry in instance.all_logs(run_id)]
    close_run_log(run_id)
    assert result.success and stored and not any("START sql table model" in m for m in stored)
    assert "dbt: 1 of 366 START sql table model" in (settings.data_dir / "logs" / f"run-{run_id}.log").read_text()
