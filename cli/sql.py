"""`lakehouse sql`: queries against one audience's locked-down analyst database, every one access-logged."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def sql(
    query: str,
    audience: Annotated[str | None, typer.Option(
        help="The analyst audience you query as (catalog/audiences.yaml); required, so the log says which")] = None,
    as_name: Annotated[str | None, typer.Option(
        "--as", help="Your name, where the deployment names users (default: the OS account)")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Query an audience's analyst database: its marts only, read-only, no external access, configuration locked.

    Every query (answered, refused or failed) is appended to the access log with the account, the audience and
    the query text, never the result values.
    """
    import duckdb

    from governance.analyst import NotAnswered, run_query
    from governance.audit import Requester

    try:
        answer = run_query(Settings.from_env(), audience, query, Requester.current(as_name))
    except NotAnswered as exc:
        fail(f"{exc.outcome}: {exc}")
    except duckdb.Error as exc:  # only the log append is left to fail: nothing is shown that is not logged
        fail(f"the access log could not be written, so the result is withheld: {exc}")
    emit([dict(zip(answer.columns, row)) for row in answer.rows], fmt)
