"""The bench's inputs: which sources, how many days, and the inbox folders the synthetic generator writes.

Everything is read from the contracts (no hand list): the raw sources per domain, and the daily ones —
a raw contract whose refresh interval (`slaProperties` frequency, read by catalog.freshness) is a day or
less. Files come from `python -m synthetic` (each generator's fixed seed), so an inbox at a scale is the
same bytes in every bench run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from catalog.contracts import load_contracts
from catalog.freshness import sla
from lake.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "data" / "samples"
# Calendar days of history per domain, default a year. Welfare: four weeks, as a year of hourly IoT readings
# for ~2,000 households is 17.5 M rows (3 GB) that say nothing more about the pipeline than four weeks do.
HISTORY_DAYS = {"welfare": 28}
DEFAULT_DAYS = 365


def domains() -> list[str]:
    return sorted({c.domain for c in load_contracts().values() if c.layer == "raw"})


def raw_sources(domain: str | None = None) -> list[str]:
    """The raw sources (one per raw contract), of one domain or of all."""
    return sorted(c.id for c in load_contracts().values() if c.layer == "raw" and domain in (None, c.domain))


def daily_sources() -> list[str]:
    """Raw sources the contracts say are refreshed at least daily (append-only facts and daily extracts)."""
    return sorted(c.id for c in load_contracts().values()
                  if c.layer == "raw" and (rule := sla(c)) is not None and rule["max_age"] <= timedelta(days=1))


def domain_of(source: str) -> str:
    return load_contracts()[source].domain


def synthetic(out: Path, scale: float, sources: list[str], *extra: str) -> None:
    """`python -m synthetic` for these sources (its own command, as a person would run it)."""
    args = [arg for source in sources for arg in ("--source", source)]
    subprocess.run([sys.executable, "-m", "synthetic", "--scale", str(scale), "--out", str(out), *args, *extra,
                    "--format", "json"], cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)


def write_history(out: Path, scale: float, only: tuple[str, ...] = ()) -> None:
    """Every raw source (of the `only` domains, if given) at `scale`, each domain over its history days."""
    for domain in only or domains():
        synthetic(out, scale, raw_sources(domain), "--days", str(HISTORY_DAYS.get(domain, DEFAULT_DAYS)))


def write_next_day(out: Path, scale: float, sources: list[str] | None = None, later: int = 0) -> None:
    """One more day of every daily source (or of `sources`): the day `later` days after its domain's history,
    files named `…_from-<day>`."""
    for domain in domains():
        if chosen := [s for s in sources or daily_sources() if domain_of(s) == domain]:
            history = HISTORY_DAYS.get(domain, DEFAULT_DAYS)
            synthetic(out, scale, chosen, "--start-day", str(history + later), "--days", "1")


def link_tree(source: Path, target: Path, folders: list[str] | None = None) -> None:
    """Hard links of `source`'s files (of these source folders only, if given) under `target`: an inbox
    that shares the bytes without copying them (same file system)."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and (folders is None or relative.parts[0] in folders):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target / relative)


def copy_samples(target: Path) -> None:
    shutil.copytree(SAMPLES, target)


def size_mib(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)
