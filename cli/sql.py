"""`lakehouse sql`: queries against the locked-down analyst database."""

from __future__ import annotations

import typer

from cli.output import Format, FormatOption, emit, fail
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def sql(query: str, fmt: FormatOption = Format.table) -> None:
    """Query the analyst database: marts only, read-only, no external access, configuration locked."""
    import duckdb

    from governance.analyst import analyst_connection

    try:
        con = analyst_connection(Settings.from_env())
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    except (duckdb.Error, FileNotFoundError) as exc:
        fail(str(exc))
    emit(rows, fmt)
