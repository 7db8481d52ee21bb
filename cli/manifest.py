"""`lakehouse manifest`: prepare the dbt manifest that loading the Dagster definitions reads."""

from __future__ import annotations

import subprocess
from pathlib import Path

import typer

from cli.output import fail, progress
from lake.settings import Settings

commands = typer.Typer()


def prepared_manifest(settings: Settings) -> Path:
    """The current manifest, parsing the project first if it changed; exit 1 if `dbt parse` fails."""
    from transforms.dbt_project import prepare_manifest

    try:
        with progress("Preparing the dbt manifest"):
            return prepare_manifest(settings)
    except subprocess.CalledProcessError as exc:
        fail(f"dbt parse failed (exit {exc.returncode}); its output is above")


@commands.command()
def manifest() -> None:
    """Prepare the dbt manifest (`dbt parse` only when the project changed) and print its path."""
    typer.echo(str(prepared_manifest(Settings.from_env())))
