"""The measurements of `make bench`, each a ratio of two sides taken in the same run.

Every side is a fresh process (bench/measure.py). A lake is a folder of its own with its own key vault,
except the cold rebuild that checks the increment: it shares the increment lake's keys, so pseudonyms
compare.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from bench.compare import differing_marts
from bench.inbox import (copy_samples, daily_sources, domains, link_tree, raw_sources, size_mib, write_history,
                         write_next_day)
from bench.measure import LAKEHOUSE, Measured, measure, python
from lake.settings import Settings

# The no-op and `--help` take about a second each: the median of a few runs keeps one slow start out.
QUICK_REPEATS = 3
# Where a run's time goes, by step key (first match wins).
STEP_KINDS = (("GX suites", "gx_contract_suite"), ("privacy gates", "privacy_gates__"), ("dbt build", "dbt_models"),
              ("ingest", "raw_identified__"), ("releases", "release__"), ("analyst databases", "analyst__"))


@dataclass(frozen=True)
class Lake:
    data: Path
    inbox: Path
    keys: Path

    @classmethod
    def under(cls, folder: Path) -> "Lake":
        """A lake with its inbox and key vault in one folder."""
        return cls(folder / "lake", folder / "inbox", folder / "keys")

    @property
    def env(self) -> dict[str, str]:
        return {"LAKEHOUSE_INBOX": str(self.inbox), "LAKEHOUSE_DATA_DIR": str(self.data),
                "LAKEHOUSE_KEY_DIR": str(self.keys)}

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data, key_dir=self.keys)


def rows_read(rows: dict[str, int]) -> int:
    """Rows read over every raw source: loaded plus quarantined (the two always add up to the rows read)."""
    return sum(rows.get(f"{zone}.{s}", 0) for s in raw_sources() for zone in ("raw_identified", "quarantine"))


def run_pipeline(lake: Lake) -> tuple[Measured, dict]:
    """`python -m bench.pipeline` on this lake: (the measurement, the run's summary)."""
    measured = measure(python("-m", "bench.pipeline"), lake.env)
    summary = json.loads(measured.stdout.strip().splitlines()[-1])
    if not summary["success"]:
        raise RuntimeError(f"the pipeline failed on {lake.inbox}: {summary['failed']}")
    return measured, summary


def figures(measured: Measured, summary: dict, rows_before: int = 0) -> dict:
    """What a pipeline run reports: time, memory, rows, what it ran and where its time went."""
    steps = summary["steps"]
    return {
        "wall_s": round(measured.seconds, 1),
        "peak_rss_mib": round(measured.peak_rss_mib),
        "peak_tree_pss_mib": round(measured.peak_tree_pss_mib),
        "rows_read": rows_read(summary["rows"]) - rows_before,
        "plan": summary["plan"],
        "assets_materialized": len(summary["assets"]),
        # the in-process executor runs steps one after another: the rest is start-up and Dagster's bookkeeping
        "outside_steps_s": round(measured.seconds - sum(steps.values()), 1),
        "by_kind_s": by_kind(steps),
        "steps_s": dict(sorted(steps.items(), key=lambda kv: -kv[1])),
    }


def by_kind(steps: dict[str, float]) -> dict[str, float]:
    """Step seconds summed per kind of step (STEP_KINDS; anything else is `other steps`)."""
    totals = dict.fromkeys([kind for kind, _ in STEP_KINDS] + ["other steps"], 0.0)
    for key, seconds in steps.items():
        totals[next((kind for kind, marker in STEP_KINDS if marker in key), "other steps")] += seconds
    return {kind: round(total, 1) for kind, total in totals.items()}


def cold(root: Path, scale: float) -> dict:
    """All four domains' history in one inbox, cold: ingest-copy vs the pipeline on a fresh lake."""
    history = root / "history"
    write_history(history, scale)
    copy = measure(python("-m", "bench.ingest_copy", str(history), str(root / "ingest-copy")))
    shutil.rmtree(root / "ingest-copy")
    link_tree(history, Lake.under(root).inbox)
    measured, summary = run_pipeline(Lake.under(root))
    return {
        "input_mib": size_mib(history),
        "ingest_copy": {"wall_s": round(copy.seconds, 1), "peak_rss_mib": round(copy.peak_mib)},
        "pipeline": figures(measured, summary),
        "ratio": round(measured.seconds / copy.seconds, 2),
    }


def increment(root: Path, scale: float, cold_result: dict) -> dict:
    """One more day of every daily source added to the cold lake's inbox, and the pipeline run again: it
    runs what the new files reach."""
    day = root / "day"
    write_next_day(day, scale)
    link_tree(day, Lake.under(root).inbox)
    measured, summary = run_pipeline(Lake.under(root))
    return {
        "daily_sources": daily_sources(),
        "input_mib": size_mib(day),
        "pipeline": figures(measured, summary, cold_result["pipeline"]["rows_read"]),
        "ratio_to_cold": round(measured.seconds / cold_result["pipeline"]["wall_s"], 4),
    }


def same_as_cold(root: Path) -> dict:
    """A second fresh lake built cold from history + day with the same keys; every mart compared."""
    incremented = Lake.under(root)
    rebuilt = Lake(root / "lake-cold", incremented.inbox, incremented.keys)
    measured, summary = run_pipeline(rebuilt)
    differing = differing_marts(incremented.settings, rebuilt.settings)
    shutil.rmtree(rebuilt.data)
    return {"equal": not differing, "differing_marts": differing, "cold_rebuild": figures(measured, summary)}


def one_file(root: Path, scale: float, cold_result: dict, increment_result: dict) -> dict:
    """The floor of a run that lands anything: the next day of the daily source whose day is smallest, alone,
    added to the incremented lake's inbox. What it costs is mostly what every run pays (start-up, dbt's and
    GX's own start, a step per asset it reaches), which the increment's ≤ 5 % target has to fit too."""
    day = root / "day"
    source = min((s for s in daily_sources() if (day / s).is_dir()),
                 key=lambda s: sum(f.stat().st_size for f in (day / s).iterdir()))
    later = root / "one-file"
    write_next_day(later, scale, [source], later=1)
    link_tree(later, Lake.under(root).inbox)
    measured, summary = run_pipeline(Lake.under(root))
    return {"source": source, "input_mib": size_mib(later),
            "pipeline": figures(measured, summary, cold_result["pipeline"]["rows_read"] + increment_result["pipeline"]["rows_read"]),
            "ratio_to_cold": round(measured.seconds / cold_result["pipeline"]["wall_s"], 4)}


def no_op(root: Path) -> dict:
    """A run with nothing new on the incremented lake vs `lakehouse --help`, both fresh processes."""
    runs = [measure([LAKEHOUSE, "run"], Lake.under(root).env) for _ in range(QUICK_REPEATS)]
    if not all("Nothing to run" in r.stdout for r in runs):
        raise RuntimeError(f"the no-op run ran something:\n{runs[-1].stdout[-2000:]}")
    helps = [measure([LAKEHOUSE, "--help"]) for _ in range(QUICK_REPEATS)]
    run_s, help_s = (statistics.median(m.seconds for m in ms) for ms in (runs, helps))
    return {"no_op_s": round(run_s, 2), "help_s": round(help_s, 2), "ratio": round(run_s / help_s, 2),
            "no_op_peak_rss_mib": round(max(r.peak_mib for r in runs))}


def childcare_large(root: Path, scale: float, factor: int = 10) -> dict:
    """Childcare alone, cold, at `scale` (the history's files) and at `factor` × `scale`."""
    small, large = Lake.under(root / "childcare-small"), Lake.under(root / "childcare-large")
    if root.joinpath("history").is_dir():  # the cold scenario's files
        link_tree(root / "history", small.inbox, raw_sources("childcare"))
    else:  # `--only childcare_large`: write them (an empty inbox measured nothing)
        write_history(small.inbox, scale, ("childcare",))
    small_measured, small_summary = run_pipeline(small)
    write_history(large.inbox, scale * factor, ("childcare",))
    large_measured, large_summary = run_pipeline(large)
    result = {
        "scale": scale, "large_scale": round(scale * factor, 6),
        "input_mib": size_mib(small.inbox), "large_input_mib": size_mib(large.inbox),
        "pipeline": figures(small_measured, small_summary), "large_pipeline": figures(large_measured, large_summary),
        "ratio": round(large_measured.seconds / small_measured.seconds, 2),
    }
    for folder in (root / "childcare-small", root / "childcare-large"):  # the large inbox and lake take GBs
        shutil.rmtree(folder)
    return result


def committed_sample(root: Path) -> dict:
    """The committed sample (data/samples) copied to an inbox, cold on a fresh lake."""
    sample = Lake.under(root / "sample")
    copy_samples(sample.inbox)
    measured, summary = run_pipeline(sample)
    return {"input_mib": size_mib(sample.inbox), "pipeline": figures(measured, summary)}


def _scaled_out_services(stack: ExitStack, root: Path) -> dict[str, str] | str:
    """A PostgreSQL catalog and Dagster database of the bench's own and a SeaweedFS bucket, stopped with `stack`:
    the lake's environment, or why they are not available (the scenario is then skipped)."""
    from bench.postgres import Unavailable, bench_databases
    from bench.seaweedfs import SeaweedFS, weed_binary

    try:
        catalog, dagster = stack.enter_context(bench_databases())
        weed_binary()
    except (Unavailable, RuntimeError, ImportError) as exc:
        return str(exc)
    server = SeaweedFS(root / "seaweedfs", "bench")
    try:
        server.start()
    except RuntimeError as exc:
        return f"SeaweedFS did not start: {exc}"
    stack.callback(server.stop)
    return {"LAKEHOUSE_CATALOG": catalog, "LAKEHOUSE_DAGSTER_PG_URL": dagster, **server.env()}


def scaled_out(root: Path, cold_result: dict) -> dict:
    """The cold run's inbox on a PostgreSQL catalog + object storage (SeaweedFS), one `lakehouse run --domain`
    per domain started together: wall until all end and peak RSS, ÷ the embedded cold run, and every mart
    compared with the embedded cold lake (same keys). Skipped, with the reason, without PostgreSQL or `weed`."""
    embedded = Lake.under(root)
    lake = Lake(root / "scaled-out" / "lake", root / "scaled-out" / "inbox", root / "scaled-out" / "keys")
    link_tree(root / "history", lake.inbox)
    shutil.copytree(embedded.keys, lake.keys)  # the embedded lake's keys: the same pseudonyms, so marts compare
    with ExitStack() as stack:
        services = _scaled_out_services(stack, root / "scaled-out")
        if isinstance(services, str):
            return {"skipped": services}
        env = {**lake.env, **services}
        measured = measure(python("-m", "bench.parallel_domains", *domains()), env)
        per_domain = json.loads(measured.stdout.strip().splitlines()[-1])
        settings = Settings(lake.data, lake.keys, services["LAKEHOUSE_CATALOG"], data_url=services["LAKEHOUSE_DATA_URL"])
        with mock.patch.dict(os.environ, services):  # the comparison reads the bucket with the same AWS variables
            differing = differing_marts(embedded.settings, settings)
    shutil.rmtree(root / "scaled-out")
    first_end = min(d["end_s"] for d in per_domain.values())
    return {
        "domains": sorted(per_domain),
        "wall_s": round(measured.seconds, 1),
        "peak_rss_mib": round(measured.peak_rss_mib),
        "peak_tree_pss_mib": round(measured.peak_tree_pss_mib),
        "ratio_to_embedded_cold": round(measured.seconds / cold_result["pipeline"]["wall_s"], 2),
        "overlapped": all(d["start_s"] < first_end for d in per_domain.values()),  # every run started before any ended
        "marts_equal": not differing,
        "differing_marts": differing,
        "per_domain": per_domain,
    }
