"""Every synthetic source by id (the raw contract ids, the folders of data/samples/) and the generator that
writes its files, at a scale or as the committed sample. The sample command, the bench and the tests go
through `generate`.

More days of a history: `Options(start_day=N, days=1)` writes the day after an N-day history. Each generator
with a calendar (a `start` parameter) starts N days after its own first day, from the same seeds, so its
entities (centres, children, poles, lots, stations: drawn whatever the period; welfare's people and devices:
its generator also takes `start_day` and draws them as for the history) are the history's and its events
fall on that day. Every file name gets `_from-<first day>`, so the files sit beside the history's in one
inbox without replacing any. The history itself (start_day 0) is written exactly as before."""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path, PurePosixPath

from synthetic import childcare, commerce, safety_internal, safety_public, welfare_ops, welfare_stats

Counts = dict[str, int]  # rows written per file, by path relative to the output folder


class NoCalendar(ValueError):
    """A later start day was asked of a generator whose files have no days (a published table, a register)."""


@dataclass(frozen=True)
class Options:
    """A run at scale. A generator takes only the options that apply to it (a published table has no scale,
    a quarterly one no days); seed None keeps each generator's own default seed."""
    scale: float = 1.0
    days: int = 365
    seed: int | None = None
    dirty_rate: float = 0.002
    start_day: int = 0  # days after each generator's own first day (N with days=1: the day after N days)


@dataclass(frozen=True)
class Generator:
    """A function that writes one or more sources' files, and how it writes the committed sample."""
    sources: tuple[str, ...]           # the source folders it writes: several when they share random draws
    write: Callable[..., Counts]       # write(out_dir, **the Options it accepts)
    sample: Callable[[Path], Counts]   # the committed sample (data/samples/)

    def at_scale(self, out_dir: Path, options: Options) -> Counts:
        accepted = inspect.signature(self.write).parameters
        given = {k: v for k, v in asdict(options).items() if k in accepted and v is not None}
        if options.start_day:
            given["start"] = self.first_day(options)
        return self.write(out_dir, **given)

    def first_day(self, options: Options) -> date:
        """The first day written at `options`: the generator's own first day, `start_day` days later."""
        start = inspect.signature(self.write).parameters.get("start")
        if start is None:
            raise NoCalendar(f"{', '.join(self.sources)}: no calendar of days, so no later start day")
        return start.default + timedelta(days=options.start_day)


GENERATORS = (
    Generator(("childcare_centers",), childcare.generate_childcare_centers,
              partial(childcare.generate_childcare_centers, scale=childcare.SAMPLE_SCALE, days=childcare.SAMPLE_DAYS)),
    Generator(("childcare_meals",), childcare.generate_childcare_meals,
              partial(childcare.generate_childcare_meals, scale=childcare.SAMPLE_SCALE, days=childcare.SAMPLE_DAYS)),
    Generator(("welfare_cases", "welfare_call_logs", "welfare_iot_readings"), welfare_ops.generate_welfare_ops,
              partial(welfare_ops.generate_welfare_ops, scale=welfare_ops.SAMPLE_SCALE, days=welfare_ops.SAMPLE_DAYS)),
    # published dong tables: one fixed set at every scale
    Generator(("welfare_elderly_alone_stats",), welfare_stats.generate_elderly_alone_stats,
              welfare_stats.generate_elderly_alone_stats),
    Generator(("welfare_recipients_stats",), welfare_stats.generate_recipients_stats, welfare_stats.generate_recipients_stats),
    Generator(("welfare_disability_stats",), welfare_stats.generate_disability_stats, welfare_stats.generate_disability_stats),
    Generator(("smart_pole_counts", "disabled_parking_events", "wildfire_weather"), safety_internal.generate_safety_internal,
              partial(safety_internal.generate_safety_internal, scale=safety_internal.SAMPLE_SCALE,
                      days=safety_internal.SAMPLE_DAYS, start=safety_internal.SAMPLE_START)),
    Generator(("cctv",), safety_public.generate_cctv, partial(safety_public.generate_cctv, scale=safety_public.SAMPLE_SCALE)),
    Generator(("child_protection_zones",), safety_public.generate_child_protection_zones,
              partial(safety_public.generate_child_protection_zones, scale=safety_public.SAMPLE_SCALE)),
    Generator(("taas_child_hotspots",), safety_public.generate_taas_child_hotspots, safety_public.generate_taas_child_hotspots),
    Generator(("parking_lots",), safety_public.generate_parking_lots,
              partial(safety_public.generate_parking_lots, scale=safety_public.SAMPLE_SCALE)),
    Generator(("illegal_parking_enforcement",), safety_public.generate_illegal_parking_enforcement,
              safety_public.generate_illegal_parking_enforcement),
    Generator(("stores",), commerce.generate_stores,
              partial(commerce.generate_stores, size=commerce.SAMPLE, dirty_rate=commerce.SAMPLE_DIRTY_RATE)),
    Generator(("commerce_sales", "commerce_store_stats", "commerce_floating_population"), commerce.generate_trade_area_tables,
              partial(commerce.generate_trade_area_tables, size=commerce.SAMPLE)),
    Generator(("commerce_areas",), commerce.generate_trade_areas, partial(commerce.generate_trade_areas, size=commerce.SAMPLE)),
)
REGISTRY: dict[str, Generator] = {source: generator for generator in GENERATORS for source in generator.sources}


def generate(out_dir: Path, sources: Iterable[str] = (), options: Options | None = None) -> Counts:
    """Write the files of `sources` (default: every one) under out_dir/<source id>/: at `options`' scale,
    or the committed sample when `options` is None."""
    out_dir = Path(out_dir)
    wanted = set(sources) or set(REGISTRY)
    if unknown := wanted - REGISTRY.keys():
        raise KeyError(f"no generator for {', '.join(sorted(unknown))}; known: {', '.join(REGISTRY)}")
    chosen = [generator for generator in GENERATORS if wanted & set(generator.sources)]
    later = options is not None and options.start_day > 0
    # checked before anything is written: a generator without a calendar raises here
    tags = {generator: f"_from-{generator.first_day(options).isoformat()}" if later else "" for generator in chosen}
    counts: Counts = {}
    for generator in chosen:
        run = generator.sample if options is None else partial(generator.at_scale, options=options)
        if later or not wanted.issuperset(generator.sources):
            counts |= _through_scratch(wanted, run, out_dir, tags[generator])
        else:
            counts |= run(out_dir)
    return counts


def _through_scratch(wanted: set[str], run: Callable[[Path], Counts], out_dir: Path, name_tag: str = "") -> Counts:
    """Run a generator into a scratch folder beside the output (same file system, so keeping a file is a
    rename) and keep the wanted sources' files, `name_tag` added before each file's suffix: a generator may
    write more sources than wanted, and later days must not replace the history's files of the same name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    kept: Counts = {}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".generating-") as scratch:
        for relpath, rows in run(Path(scratch)).items():
            if relpath.split("/")[0] not in wanted:
                continue
            path = PurePosixPath(relpath)
            target = str(path.with_name(f"{path.name.removesuffix(path.suffix)}{name_tag}{path.suffix}"))
            (out_dir / target).parent.mkdir(parents=True, exist_ok=True)
            os.replace(Path(scratch) / relpath, out_dir / target)
            kept[target] = rows
    return kept
