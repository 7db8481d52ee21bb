"""`make bench`: the issue-12 shape of the pipeline, every figure a ratio taken in this one run.

    python -m bench                          # SF 1, childcare also at SF 10; figures to bench/out/results.json
    python -m bench --scale 0.01 --skip-sf10 # a quick try (each pipeline side still takes a minute or two)
    python -m bench --json out.json --work /tmp/bench   # keep the inboxes and lakes for a look afterwards

In order: (a) all four domains' history at the scale in one inbox, cold: ingest-copy vs the pipeline on a
fresh lake; (a2) the same inbox on a PostgreSQL catalog + object storage (SeaweedFS), the four domains run
in parallel (`lakehouse run --domain` each), ÷ the embedded cold run, marts compared (skipped, saying why,
without PostgreSQL or SeaweedFS); (b) one more day of every daily source into that lake's inbox, the pipeline again (what the
new files reach), then a second lake built cold from history + day and every mart compared; (c) a run with
nothing new vs `lakehouse --help`, and the floor of a run that lands anything: one small file (the next day of
the daily source whose day is smallest) on that lake, ÷ the cold run; (d) childcare alone cold at the scale and at 10 × the scale (`--skip-sf10`
leaves it out); (e) the committed sample, cold. Each side runs in a fresh process (bench/measure.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from bench import scenarios
from bench.measure import LAKEHOUSE
from bench.report import markdown
from lake.settings import PROJECT_ROOT


SCENARIOS = ("cold", "scaled_out", "increment", "no_op", "marts", "one_file", "sample", "childcare_large")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="scale factor of the synthetic inputs (default 1)")
    parser.add_argument("--skip-sf10", dest="sf10", action="store_false",
                        help="leave out childcare at 10 × the scale (the longest part at SF 1)")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "bench" / "out" / "results.json",
                        help="where to write every figure (default bench/out/results.json, git-ignored)")
    parser.add_argument("--work", type=Path, help="keep inboxes and lakes in this folder (default: a temporary one)")
    parser.add_argument("--only", choices=SCENARIOS, action="append",
                        help="run only this scenario (repeatable; scaled_out and increment need cold, marts and one_file need increment)")
    return parser.parse_args()


def _machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory_gib:.0f} GiB"


def _save(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    args = _arguments()
    # The dbt manifest is prepared once beforehand, so no measured run pays for a changed project.
    subprocess.run([LAKEHOUSE, "manifest"], cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    with nullcontext(str(args.work)) if args.work else tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as work:
        root = Path(work)
        result = {"scale": args.scale, "date": datetime.now().isoformat(timespec="minutes"), "machine": _machine()}
        in_order = {
            "cold": lambda: scenarios.cold(root, args.scale),
            "scaled_out": lambda: scenarios.scaled_out(root, result["cold"]),  # before the increment: the same inbox
            "increment": lambda: scenarios.increment(root, args.scale, result["cold"]),
            "no_op": lambda: scenarios.no_op(root),
            "marts": lambda: scenarios.same_as_cold(root),
            "one_file": lambda: scenarios.one_file(root, args.scale, result["cold"], result["increment"]),
            "sample": lambda: scenarios.committed_sample(root),
            "childcare_large": lambda: scenarios.childcare_large(root, args.scale),  # last: the longest
        }
        for name, run in in_order.items():
            if (name != "childcare_large" or args.sf10) and (not args.only or name in args.only):
                result[name] = run()
                _save(args.json, result)  # after every scenario: a late failure keeps the figures already taken
    print(markdown(result))
    print(f"\nEvery figure: {args.json}")


if __name__ == "__main__":
    main()
