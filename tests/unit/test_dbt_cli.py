"""dbt runs in its own process; the run's interpreter holds no dbt adapter beside it, and does not start a second
dbt (`dbt --version`) to learn dbt's version."""

import importlib.metadata

import dagster_dbt.core.resource

from orchestration.defs.resources import dbt_cli
from transforms.dbt_project import prepare_manifest


def test_a_dbt_command_runs_without_an_adapter_or_a_version_probe(settings, monkeypatch):
    for name, value in settings.env().items():
        monkeypatch.setenv(name, value)

    def no_second_dbt(command, *args, **kwargs):
        raise AssertionError(f"started {command}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_second_dbt)
    invocation = dbt_cli().cli(["ls", "--select", "stg_welfare__cases"], manifest=prepare_manifest(settings))
    invocation.wait()
    assert invocation.is_successful() and invocation.adapter is None
    assert str(invocation.cli_version) == importlib.metadata.version("dbt-core")
