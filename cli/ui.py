"""`lakehouse ui`: the Dagster UI for stewards, read-only, on localhost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.manifest import prepared_manifest
from cli.output import out
from lake.settings import PROJECT_ROOT, Settings

commands = typer.Typer()


@commands.command()
def ui(port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 3000) -> None:
    """Start the Dagster UI for stewards, read-only, on 127.0.0.1."""
    from orchestration.runner import dagster_instance

    settings = Settings.from_env()
    prepared_manifest(settings)  # the webserver loads the definitions, which read this manifest and never run dbt
    dagster_instance(settings)  # sets DAGSTER_HOME so the UI shows the main job's runs
    webserver = Path(sys.executable).with_name("dagster-webserver")
    out.print(f"Dagster UI (read-only): http://127.0.0.1:{port}")
    subprocess.run([str(webserver), "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port), "--read-only"],
                   cwd=PROJECT_ROOT, check=False)
