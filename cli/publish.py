"""`lakehouse publish`: the releases and analyst marts as Apache Iceberg tables, for engines other than DuckDB."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, err, fail, out, progress
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def publish(
    everything: Annotated[bool, typer.Option("--all", help="rewrite every table, also those whose lake rows did not change")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Publish every release and analyst mart below the export-only tier as an Iceberg table (pyiceberg SQL catalog).

    Catalog: LAKEHOUSE_ICEBERG_CATALOG_URL (default SQLite data/iceberg/catalog.db); files: LAKEHOUSE_ICEBERG_WAREHOUSE
    (default data/iceberg/warehouse, or s3://…). Republishing adds a snapshot to the same table; a table whose lake
    rows, columns and contract did not change since is kept as it is. Passwords are never shown.
    """
    from governance.publish import PublishError, publish_iceberg

    try:
        with progress("Publishing Iceberg tables"):
            publication = publish_iceberg(Settings.from_env(), run_id="cli", everything=everything)
    except PublishError as exc:
        fail(str(exc))
    rows = [{"table": t.name, "rows": t.rows, "snapshot_id": t.snapshot_id,
             "written": t.name not in publication.unchanged} for t in publication.tables]
    if fmt is Format.json:
        typer.echo(json.dumps({"catalog": publication.catalog, "warehouse": publication.warehouse, "tables": rows,
                               "dropped": publication.dropped, "not_built": publication.not_built}, ensure_ascii=False, indent=2))
        return
    emit(rows, fmt)
    where = err if fmt is Format.csv else out  # CSV on stdout stays rows only
    where.print(f"Iceberg catalog: {publication.catalog}\nwarehouse: {publication.warehouse}", soft_wrap=True)
    if publication.not_built:
        where.print(f"Not built yet (their domain has not run): {', '.join(publication.not_built)}", soft_wrap=True)
    if publication.dropped:
        where.print(f"No longer published, dropped with their files: {', '.join(publication.dropped)}", soft_wrap=True)
