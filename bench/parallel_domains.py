"""The scaled-out side of the bench: `python -m bench.parallel_domains D1 D2 …` starts one `lakehouse run
--domain D` per domain at once (the environment names the lake: PostgreSQL catalog, object storage, Dagster
on PostgreSQL), waits for all, and prints one JSON line: per domain its exit code, wall seconds, start and
end (seconds after the first start), plan and step times. bench/measure.py measures this process, so its
wall time is until the last run ends and its tree RSS covers all runs and their dbt at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time

from bench.measure import LAKEHOUSE


def main(domains: list[str]) -> int:
    started = time.perf_counter()
    runs = {}
    for domain in domains:
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        runs[domain] = (subprocess.Popen([LAKEHOUSE, "run", "--domain", domain, "--format", "json"], stdout=out,
                                         stderr=err, text=True), out, err, time.perf_counter() - started)
    result, failed = {}, []
    while len(result) < len(runs):
        for domain, (process, out, err, start) in runs.items():
            if domain in result or process.poll() is None:
                continue
            end = time.perf_counter() - started
            out.seek(0), err.seek(0)
            text = out.read()
            try:
                summary = json.loads(text[text.index("{"):])
            except ValueError:
                summary = {}
            result[domain] = {"returncode": process.returncode, "start_s": round(start, 1), "end_s": round(end, 1),
                              "wall_s": round(end - start, 1), "success": bool(summary.get("success")),
                              "plan": summary.get("plan", ""), "assets": summary.get("assets_materialized", []),
                              "steps": summary.get("step_seconds", {})}
            if process.returncode or not summary.get("success"):
                failed.append(f"{domain} ({process.returncode}): {err.read()[-1500:]}")
        time.sleep(0.2)
    print(json.dumps(result))
    if failed:
        print("\n".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
