"""dbt runs in its own process; the run's interpreter holds no dbt adapter beside it."""

from orchestration.defs.resources import dbt_cli
from transforms.dbt_project import prepare_manifest


def test_a_dbt_command_runs_without_an_adapter_in_the_callers_process(settings, monkeypatch):
    for name, value in settings.env().items():
        monkeypatch.setenv(name, value)
    invocation = dbt_cli().cli(["ls", "--select", "stg_welfare__cases"], manifest=prepare_manifest(settings))
    invocation.wait()
    assert invocation.is_successful() and invocation.adapter is None
