"""`lakehouse repair`: one landing record per file, and that batch's rows (a lake hit by racing runs)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, out
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def repair(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be removed; change nothing")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Remove the extra landing records of files landed more than once, and their copies of the rows."""
    from lake.run_lock import RunLocked
    from transforms.repair import repair_duplicate_landings

    try:
        report = repair_duplicate_landings(Settings.from_env(), dry_run=dry_run)
    except RunLocked as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        out.print(line)
    if report.removed_rows:
        emit([{"table": r.table, "sha256": r.sha256, "rows_removed": r.rows} for r in report.removed_rows], fmt,
             "Rows removed" if not dry_run else "Rows that would be removed")
    if report.changed and not dry_run:
        out.print("Run `lakehouse run` to rebuild staging, marts and releases from the repaired raw zone.")
