"""`lakehouse ingest` and `lakehouse sources`: files into the lake, and which sources accept what."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, progress
from lake.settings import Settings, describe_limits

commands = typer.Typer()


@commands.command()
def ingest(
    source: Annotated[str, typer.Argument(help="Source id (see `lakehouse sources`)")],
    path: Annotated[Path, typer.Argument(help="File to ingest")],
    period: Annotated[str | None, typer.Option(help="Reference month YYYYMM of a file whose name and content "
                                                    "state none (stores, welfare_recipients_stats); recorded in landing")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Land PATH immutably, validate every row against the SOURCE contract, load or quarantine it."""
    from transforms.ingest import IngestFailed, ingest_file
    from transforms.sources import sources as registered_sources

    known = registered_sources()
    if source not in known:
        fail(f"unknown source {source!r}; known: {', '.join(known)}")
    settings = Settings.from_env()
    try:
        with progress(f"Ingesting {path.name} into {source}"):
            result = ingest_file(settings, source, path, run_id=f"cli-{os.getpid()}", period=period)
    except IngestFailed as exc:
        fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        emit([result.as_json()], fmt, "Ingest")


@commands.command()
def sources(fmt: FormatOption = Format.table) -> None:
    """Source ids, the formats each accepts, and the limits every landed file is held to."""
    from transforms.sources import sources as registered_sources

    emit([{"source": s.id, "formats": list(s.formats), "suffixes": list(s.suffixes)} for s in registered_sources().values()],
         fmt, "Sources")
    if fmt is Format.table:  # the JSON/CSV forms stay one list of sources, as scripts read them
        emit(describe_limits(Settings.from_env().limits), fmt, "Limits on every landed file (LAKEHOUSE_MAX_*)")
