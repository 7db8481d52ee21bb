"""What every command shares: the consoles, `--format`, and how rows, progress and errors are shown."""

from __future__ import annotations

import csv
import io
import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table as RichTable

if TYPE_CHECKING:
    from rich.progress import Progress

out = Console()
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]


def emit(rows: list[dict[str, Any]], fmt: Format, title: str = "") -> None:
    """Print rows as a table, a JSON array of objects, or CSV."""
    if fmt is Format.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=2))
        return
    columns = list(rows[0]) if rows else []
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = RichTable(title=title or None)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in row.values()])
    out.print(table)


def progress(description: str) -> Progress:
    """A spinner on stderr, gone when the work is done; use as a context manager."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # only commands that work long

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=True)
    bar.add_task(description)
    return bar


def fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)
