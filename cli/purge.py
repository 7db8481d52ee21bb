"""`lakehouse purge`: verified destruction of pseudonymized data past its processing period."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, out, progress
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def purge(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge processing periods as of this date (YYYY-MM-DD; default today)")] = None,
    subject: Annotated[list[str] | None, typer.Option("--subject", help="Destroy this pseudonym whatever its age (repeatable)")] = None,
    purpose: Annotated[str | None, typer.Option(help="Only datasets of this purpose code")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be destroyed")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Destroy pseudonymized data past its processing period (verified DuckLake purge) and record it."""
    import datetime as dt

    from governance.audit import today
    from governance.export import Requester
    from governance.purge import PurgeFailed, purge as run_purge

    requester = Requester.current()
    day = None if subject else (dt.date.fromisoformat(as_of) if as_of else today())
    try:
        with progress("Purging"):
            record = run_purge(Settings.from_env(), as_of=day, subjects=subject, purpose=purpose,
                               operator=(requester.account, requester.host), dry_run=dry_run)
    except PurgeFailed as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    emit([{"table": t, **info} for t, info in record["scope"]["tables"].items()], fmt, f"Purge: {record['result']}")
    if "verification" in record:
        v = record["verification"]
        out.print(f"verified: {v['parquet_files_scanned']} Parquet files, {v['catalog_tables_scanned']} catalog tables, "
                  f"{v['snapshots_checked']} snapshots; {v['expired_snapshots_unreachable']} expired snapshots unreachable")
        if iceberg := v.get("iceberg", {}).get("iceberg_tables"):
            out.print(f"Iceberg: republished {', '.join(iceberg)}; {v['iceberg']['iceberg_snapshots_expired']} snapshots "
                      f"expired, {v['iceberg']['iceberg_files_removed']} files removed, "
                      f"{v['iceberg']['iceberg_files_scanned']} files scanned")
