"""`lakehouse audit …`: the access log's monthly review (exports, queries, refusals) and its integrity check."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, out
from lake.settings import Settings

commands = typer.Typer()
audit_commands = typer.Typer(help="Access log: monthly review and integrity check.", no_args_is_help=True)
commands.add_typer(audit_commands, name="audit")


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@audit_commands.command("report")
def audit_report(
    month: Annotated[str, typer.Option(help="Month to review, YYYY-MM")],
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json or markdown")] = ReportFormat.table,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the report to this file instead")] = None,
) -> None:
    """Monthly access-log review: who exported and queried what, refusals, unusual activity, destructions, chain state."""
    from governance.audit import flush_access_spool, monthly_report, report_markdown

    try:
        flush_access_spool(Settings.from_env(), wait=False)  # queries spooled during a run, if the lake is free
        report = monthly_report(Settings.from_env(), month)
    except ValueError as exc:
        fail(f"--month must be YYYY-MM: {exc}")
    if fmt is ReportFormat.table and out_file is None:
        emit([report["totals"]], Format.table, f"Access log {month}")
        for section in ("by_account", "queries", "exports", "refusals", "unusual"):
            emit(report[section], Format.table, section)
        log = report["access_log"]
        out.print(f"chain {'verified' if log['chain_ok'] else '[red]BROKEN[/red]'}: {log['rows']} rows, head {log['head_seq']}")
        return
    text = report_markdown(report) if fmt is ReportFormat.markdown else json.dumps(report, ensure_ascii=False, indent=2, default=str)
    if out_file is None:
        typer.echo(text)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        out.print(f"wrote {out_file}")


@audit_commands.command("verify")
def audit_verify(fmt: FormatOption = Format.table) -> None:
    """Recompute the access log's hash chain and compare it with every retained snapshot; exit 1 if broken."""
    from governance.audit import access_log_head, flush_access_spool

    flush_access_spool(Settings.from_env(), wait=False)
    check = access_log_head(Settings.from_env())
    emit([{"rows": check.rows, "head_seq": check.head_seq, "head_hash": check.head_hash, "ok": check.ok,
           "unchained_rows": check.unchained_rows, "snapshots_checked": check.snapshots_checked,
           "problems": check.problems}], fmt, "Access log")
    if not check.ok:
        raise typer.Exit(1)
