"""`python -m synthetic`: write synthetic source files in their real formats, by source id.

    python -m synthetic --sample --out data/samples               # the committed sample set (`make samples`)
    python -m synthetic --scale 1 --out generated/                # every source, ~ one year of Gangseo
    python -m synthetic --scale 0.1 --days 28 --out inbox/ --source welfare_cases --source welfare_call_logs
    python -m synthetic --scale 0.1 --start-day 28 --days 1 --out inbox/ --source welfare_call_logs   # the day after
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from synthetic.registry import REGISTRY, NoCalendar, Options, generate


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def main(
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory (one folder per source)")],
    sample: Annotated[bool, typer.Option("--sample", help="The committed sample set: each source at its sample size")] = False,
    scale: Annotated[Optional[float], typer.Option(help="Scale factor; 1 ≈ one year of Gangseo-sized operations")] = None,
    days: Annotated[Optional[int], typer.Option(help="Calendar days of meals, calls and sensor readings (default 365)")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: each generator's own, fixed)")] = None,
    dirty_rate: Annotated[Optional[float], typer.Option(help="Share of rows made invalid on purpose (default 0.002)")] = None,
    start_day: Annotated[Optional[int], typer.Option(
        help="Start N days after each generator's first day, file names tagged _from-<date> (with --days 1: the day "
             "after an N-day history, beside its files)", min=0)] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help=f"Only this source, repeatable (default every one): {', '.join(REGISTRY)}")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Rows written per file as table, json or csv")] = Format.table,
) -> None:
    """Write synthetic source files in their real formats (fixed seeds: the same arguments give the same bytes)."""
    if sample == (scale is not None):
        raise typer.BadParameter("give either --sample or --scale SF")
    if sample and (days, seed, dirty_rate, start_day) != (None, None, None, None):
        raise typer.BadParameter("--sample has fixed sizes: it takes only --out and --source")
    if unknown := set(source or ()) - REGISTRY.keys():
        raise typer.BadParameter(f"unknown source {', '.join(sorted(unknown))}; known: {', '.join(REGISTRY)}")
    set_options = {"scale": scale, "days": days, "seed": seed, "dirty_rate": dirty_rate, "start_day": start_day}
    options = None if sample else Options(**{k: v for k, v in set_options.items() if v is not None})
    try:
        counts = generate(out_dir, source or (), options)
    except NoCalendar as exc:
        raise typer.BadParameter(f"--start-day: {exc}") from None
    _print(counts, fmt, f"Generated into {out_dir}" + ("" if options is None else f" ({_describe(options)})"))


def _describe(options: Options) -> str:
    shown = {k: v for k, v in asdict(options).items() if v is not None and (k, v) != ("start_day", 0)}
    return ", ".join(f"{k} {v}" for k, v in shown.items())


def _print(counts: dict[str, int], fmt: Format, title: str) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps([{"file": f, "rows": r} for f, r in counts.items()], ensure_ascii=False, indent=2))
    elif fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([("file", "rows"), *counts.items()])
    else:
        table = Table("file", "rows", title=title)
        for file, rows in counts.items():
            table.add_row(file, f"{rows:,}")
        Console().print(table)


if __name__ == "__main__":
    typer.run(main)
