"""`make bench`: the full pipeline against the ingest-copy limit, per domain and scale, in one run.

For each (domain, scale) the domain's raw sources (from the contracts) are generated into a fresh inbox
by `python -m synthetic`, then two sides are measured: ingest-copy (`bench/ingest_copy.py`, the least any
loader must do with the same files) and the pipeline (`bench/pipeline.py`, the main job on a fresh lake
whose inbox holds that domain's sources). Each measurement runs in its own process so its peak RSS is its
own. Ratios are the point: both sides run on the same machine in the same minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from catalog.contracts import load_contracts
from lake.settings import PROJECT_ROOT

# (domain, scale): childcare at two scales shows the fixed costs; welfare at SF 1 is the privacy-gate case.
RUNS = (("childcare", 0.1), ("childcare", 1.0), ("welfare", 1.0))
# Calendar days of generated operations (meals, calls, readings): a year unless the domain says otherwise.
# Welfare: 12,000 people at SF 1, calls twice a week and hourly IoT for ~2,000 households over four weeks.
# (Safety: national-size public files plus a year of the internal sources; commerce: a Seoul-size store
# file in four quarterly ZIPs, whatever the days.)
DAYS = {"welfare": 28}


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `python <args>` in a fresh interpreter: (seconds, its own peak RSS in MiB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *args], cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=out, stderr=err,
                                 text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise RuntimeError(f"benchmark step failed:\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def raw_sources(domain: str) -> list[str]:
    sources = sorted(c.id for c in load_contracts().values() if c.layer == "raw" and c.domain == domain)
    if not sources:
        raise SystemExit(f"no raw sources in domain {domain!r}")
    return sources


def generate_inbox(domain: str, scale: float, inbox: Path) -> None:
    """The domain's sources at `scale`, through the synthetic generator's own command (each generator's seed)."""
    days = ["--days", str(DAYS[domain])] if domain in DAYS else []
    sources = [arg for source in raw_sources(domain) for arg in ("--source", source)]
    subprocess.run([sys.executable, "-m", "synthetic", "--scale", str(scale), *days, "--out", str(inbox), *sources,
                    "--format", "json"], cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)


def _share(steps: dict[str, float], marker: str, wall: float) -> float:
    """Share of the pipeline's wall time spent in steps whose key contains `marker` (the in-process
    executor runs steps one after another, so step durations add up)."""
    return round(sum(v for k, v in steps.items() if marker in k) / wall, 3)


def bench(domain: str, scale: float, root: Path) -> dict:
    here = root / f"{domain}-sf{scale}"
    inbox = here / "inbox"
    generate_inbox(domain, scale, inbox)
    size = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file())
    copy_s, copy_rss, _ = _measure(["-m", "bench.ingest_copy", str(inbox), str(here / "copy")], {})
    env = {"LAKEHOUSE_INBOX": str(inbox), "LAKEHOUSE_DATA_DIR": str(here / "lake"), "LAKEHOUSE_KEY_DIR": str(here / "keys")}
    run_s, run_rss, stdout = _measure(["-m", "bench.pipeline"], env)
    result = json.loads(stdout.strip().splitlines()[-1])
    if not result["success"]:
        raise RuntimeError(f"pipeline failed for {domain} at SF {scale}: {result['failed']}")
    steps = result["steps"]
    print(f"{domain} SF {scale} pipeline steps (s): {json.dumps(steps)}", file=sys.stderr)
    rows = result["rows"]
    return {
        "domain": domain,
        "scale": scale,
        "input_mb": round(size / 2**20, 1),
        "rows_read": sum(rows.get(f"{zone}.{t}", 0) for t in raw_sources(domain) for zone in ("raw_identified", "quarantine")),
        "ingest_copy_s": round(copy_s, 1),
        "pipeline_s": round(run_s, 1),
        "ratio": round(run_s / copy_s, 2),
        "privacy_gates_share": _share(steps, "privacy_gates", run_s),
        "gx_share": _share(steps, "gx_", run_s),
        "ingest_copy_peak_rss_mb": round(copy_rss),
        "pipeline_peak_rss_mb": round(run_rss),
    }


def main() -> None:
    """`python -m bench [domain:scale …]`, e.g. `welfare:1` or `childcare:0.01`; default: RUNS."""
    runs = [(d, float(sc)) for d, _, sc in (a.partition(":") for a in sys.argv[1:])] or list(RUNS)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        results = [bench(domain, scale, Path(tmp)) for domain, scale in runs]
    header = list(results[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        print("| " + " | ".join(str(r[h]) for h in header) + " |")


if __name__ == "__main__":
    main()
