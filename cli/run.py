"""`lakehouse run`: the main job end to end, with a summary."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, err, fail, out, progress
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def run(
    fmt: FormatOption = Format.table,
    wait: Annotated[float | None, typer.Option(
        help="Seconds to wait for a main job already running, then refuse (default: 0 embedded, "
             "LAKEHOUSE_RUN_WAIT_SECONDS or 3600 on a PostgreSQL catalog)")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Rebuild everything, not only what new files reach")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Stream the full event stream (also in the log file)")] = False,
    domain: Annotated[list[str] | None, typer.Option(
        "--domain", help="Only this domain's sources and what they reach (repeatable; other domains' new files "
                         "wait for a later run). On a PostgreSQL catalog runs of different domains run in parallel")] = None,
) -> None:
    """Ingest new inbox files (default data/samples) and build what they reach: checks, staging, marts,
    releases, analyst DBs. Nothing new: nothing runs. --all: everything (of the --domain given)."""
    from transforms.run_plan import check_domains, plan_run

    settings = Settings.from_env()
    try:
        check_domains(domain)
    except ValueError as exc:
        fail(str(exc))
    quick = plan_run(settings, everything, domain)  # read only, no lock: an unchanged inbox never starts Dagster
    if quick.nothing_to_do:
        if fmt is Format.json:
            typer.echo(json.dumps({"success": True, "plan": quick.reason, "assets_materialized": []}, ensure_ascii=False))
        else:
            out.print(f"Nothing to run: {quick.reason}. (`lakehouse run --all` rebuilds everything.)")
        return

    from lake.catalog_backend import masked_catalog
    from lake.run_lock import RunLocked
    from orchestration.runner import run_main  # prepares the dbt manifest before loading the definitions

    def step_line(step: str, outcome: str, seconds: float, message: str) -> None:
        if outcome == "success":
            err.print(f"  [green]✓[/green] {step} [dim]{seconds:.1f} s[/dim]")
        else:
            err.print(f"  [red]✗ {step}[/red]: {message.splitlines()[0] if message else 'failed'}")

    try:
        with progress(f"Running the main job: {quick.reason}"):
            summary = run_main(settings, wait_seconds=wait, full=everything, on_step=step_line, verbose=verbose,
                               domains=domain)
    except RunLocked as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(summary.__dict__, ensure_ascii=False, indent=2))
    else:
        if not summary.run_id:
            out.print(f"Nothing to run: {summary.plan}.")
            return
        out.print(f"[bold]Run {summary.run_id}[/bold]: {'[green]success' if summary.success else '[red]FAILED'}[/]")
        scope = f" of {', '.join(domain)}" if domain else ""
        out.print(f"Plan: {'everything' if summary.full else 'what new data reaches'}{scope} ({summary.plan})")
        out.print(f"Assets materialized: {len(summary.assets_materialized)}"
                  + ("" if summary.full and not domain else ": " + ", ".join(summary.assets_materialized)))
        out.print(f"Checks: {len(summary.checks_passed)} passed, {len(summary.checks_failed)} failed")
        for name in summary.checks_failed:
            out.print(f"  [red]failed[/red] {name}")
        for failure in summary.failures:
            out.print(f"  [red]step failed[/red] {failure}")
        touched = {key.replace("/", ".") for key in summary.assets_materialized}
        touched |= {f"quarantine.{t.split('.', 1)[1]}" for t in touched if t.startswith("raw_identified.")}
        emit([{"table": k, "rows": v} for k, v in summary.rows.items() if k in touched], Format.table,
             "Rows per table built by this run")
        out.print(f"Lake: catalog {masked_catalog(settings.catalog_uri)}, files {settings.lake_data_path}")
        out.print(f"Analyst DBs (one per audience): {settings.analyst_dir}  ·  GX Data Docs: {settings.quality_dir}/gx/uncommitted/data_docs/local_site/index.html")
        out.print("Steward UI: `.venv/bin/lakehouse ui` then open http://127.0.0.1:3000")
        out.print(f"Full event log: {summary.log_file}")
    if not summary.success:
        raise typer.Exit(1)
