"""`lakehouse export` (a pilot's pseudonymized release) and `lakehouse export-operational` (identified call feed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.output import Format, FormatOption, emit, fail, progress
from lake.settings import Settings

commands = typer.Typer()


@commands.command()
def export(
    pilot: Annotated[str, typer.Argument(help="Pilot id, e.g. daycare_food_scanner")],
    purpose: Annotated[str, typer.Option(help="A purpose code registered for the pilot")],
    reason: Annotated[str, typer.Option(help="Why this export is needed (recorded in the access log)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the Parquet files and manifest.json")],
    fmt: FormatOption = Format.table,
) -> None:
    """Export a pilot's release as Parquet + manifest.json; every export and refusal is access-logged."""
    from governance.export import ExportRefused, export_release

    try:
        with progress(f"Exporting {pilot}"):
            manifest = export_release(Settings.from_env(), pilot, purpose, reason, out_dir)
    except ExportRefused as exc:
        fail(f"export refused: {exc}")
    if fmt is Format.json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        emit([{"table": n, "rows": t["rows"], "file": t["file"], "sha256": t["sha256"][:16]} for n, t in manifest["tables"].items()],
             fmt, f"Exported to {out_dir}")


@commands.command("export-operational")
def export_operational_command(
    purpose: Annotated[str, typer.Option(help="Purpose code whose legal basis applies, e.g. WELLBEING_CALL_OPERATIONS")] = "",
    role: Annotated[str, typer.Option(help="Your role under the operational agreement, e.g. welfare_officer")] = "",
    reason: Annotated[str, typer.Option(help="Why (recorded in the access log)")] = "",
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the call feed (identified data)")] = Path("exports/operational"),
    fmt: FormatOption = Format.table,
) -> None:
    """Identified call feed for the well-being call service (restricted; needs a legal basis and a role; access-logged)."""
    from governance.export import ExportRefused, export_operational

    try:
        manifest = export_operational(Settings.from_env(), purpose, role, reason, out_dir)
    except ExportRefused as exc:
        fail(f"operational export refused: {exc}")
    if fmt is Format.json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        emit([{k: manifest[k] for k in ("file", "rows", "purpose", "role")} | {"agreement": manifest["agreement"]["id"]}],
             fmt, f"Operational export to {out_dir} (identified: handle as restricted)")
