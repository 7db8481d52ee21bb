"""`lakehouse run`: the main job end to end, with a summary."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, out, progress
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def run(
    fmt: FormatOption = Format.table,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a main job already running, then refuse")] = 0.0,
) -> None:
    """Materialize every asset on the inbox (default data/samples), run all checks, build marts and releases."""
    from lake.run_lock import RunLocked
    from lake.session import ensure_zones
    from orchestration.runner import run_main  # prepares the dbt manifest before loading the definitions

    settings = Settings.from_env()
    ensure_zones(settings)
    try:
        with progress("Running the main job (ingest → checks → dbt → gates → release → analyst DB)"):
            summary = run_main(settings, wait_seconds=wait)
    except RunLocked as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(summary.__dict__, ensure_ascii=False, indent=2))
    else:
        out.print(f"[bold]Run {summary.run_id}[/bold]: {'[green]success' if summary.success else '[red]FAILED'}[/]")
        out.print(f"Assets materialized: {len(summary.assets_materialized)}")
        out.print(f"Checks: {len(summary.checks_passed)} passed, {len(summary.checks_failed)} failed")
        for name in summary.checks_failed:
            out.print(f"  [red]failed[/red] {name}")
        for failure in summary.failures:
            out.print(f"  [red]step failed[/red] {failure}")
        emit([{"table": k, "rows": v} for k, v in summary.rows.items()], Format.table, "Rows per table")
        out.print(f"Lake: catalog {settings.catalog_uri}, files {settings.lake_dir}")
        out.print(f"Analyst DBs (one per audience): {settings.analyst_dir}  ·  GX Data Docs: {settings.quality_dir}/gx/uncommitted/data_docs/local_site/index.html")
        out.print("Steward UI: `.venv/bin/lakehouse ui` then open http://127.0.0.1:3000")
    if not summary.success:
        raise typer.Exit(1)
