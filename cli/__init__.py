"""`lakehouse`: the command line of the Gangseo AI data lakehouse.

One module per command group; each holds a `commands` Typer whose commands are merged into `app`.
Heavy modules (Dagster, dbt, GX) are imported inside the commands that need them, so `--help`,
`sources` and `catalog` answer at once.
"""

from __future__ import annotations

import gc

import typer

from cli import audit, catalog, export, fetch, ingest, manifest, publish, purge, repair, run, sql, ui

app = typer.Typer(help="Gangseo AI data lakehouse (AI 강서): ingest, check, pseudonymize, serve.", no_args_is_help=True)

# The order here is the order of `lakehouse --help`.
for group in (run, manifest, ingest, repair, fetch, catalog, sql, export, publish, audit, purge, ui):
    app.add_typer(group.commands)  # no name: the group's commands sit at the top level



def main() -> None:
    """The `lakehouse` command: `app`, with a shared catalog's failures as one clear line, no traceback
    (catalog_backend masks the password in them)."""
    from lake.catalog_backend import CatalogUnavailable, WriteConflict

    try:
        app(standalone_mode=True)
    except (CatalogUnavailable, WriteConflict) as exc:
        from cli.output import err

        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise SystemExit(1) from None
    finally:
        # The process ends here: the collector need not walk what a run built once more at teardown
        # (~2.4 s after a main job; every resource has been closed by its command).
        gc.freeze()


if __name__ == "__main__":
    main()
