"""`lakehouse fetch`: a source's API pages, verbatim, into the inbox."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, progress

commands = typer.Typer()


@commands.command("fetch")
def fetch_command(
    source: Annotated[str, typer.Argument(help="Source id fed by an API (cctv, stores, commerce_sales, …)")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, repeatable: a query filter "
                                                    "(searchYearCd=2025066) or a Seoul path segment (STDR_YYQU_CD=20244)")] = None,
    service: Annotated[str | None, typer.Option(help="Only this service of the source (e.g. tn_pubr_public_cctv_api)")] = None,
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (default: LAKEHOUSE_INBOX)")] = None,
    base_url: Annotated[str | None, typer.Option(help="Another host for the API (a mirror, a test server)")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Fetch every page of SOURCE's API, verbatim, into <inbox>/<source>/. Keys come from the environment:
    LAKEHOUSE_DATA_GO_KR_SERVICE_KEY (data.go.kr, KOROAD, 소상공인) and LAKEHOUSE_SEOUL_OPEN_API_KEY."""
    from connectors import ConnectorError
    from connectors import fetch as fetch_source

    # Never the committed samples by default: real data must not land among them.
    folder = inbox or (Path(os.environ["LAKEHOUSE_INBOX"]) if os.environ.get("LAKEHOUSE_INBOX") else None)
    if folder is None:
        fail("pass --inbox or set LAKEHOUSE_INBOX (the default inbox is the committed samples)")
    params = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--param {item!r}: expected NAME=VALUE")
        params[name] = value
    try:
        with progress(f"Fetching {source}"):
            summary = fetch_source(source, folder, service=service, base_url=base_url, **params)
    except KeyError as exc:
        fail(str(exc.args[0]))
    except ConnectorError as exc:
        fail(str(exc))
    result = summary.as_json()
    if fmt is Format.json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        emit([{**result, "files": len(summary.files)}], fmt, "Fetch")
