"""`make bench`: the full pipeline against the ingest-copy limit, at SF 0.1 and SF 1, in one run.

Ingest-copy is the least any loader must do with the same raw files: read each once and write it
once as Parquet (CSV: stream CP949 → UTF-8, then DuckDB read_csv → Parquet; JSON: DuckDB read_json →
Parquet; XML: ElementTree → Parquet). Pipeline is the main job (`lakehouse run`) on a fresh lake.
Each measurement runs in its own process so its peak RSS is its own. Ratios are the point: both
sides run on the same machine in the same minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = (0.1, 1.0)


def _measure(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Run `code` in a fresh interpreter: (seconds, its own peak RSS in MiB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **env}, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise RuntimeError(f"benchmark step failed:\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


INGEST_COPY = """
import sys, json, duckdb, xml.etree.ElementTree as ET, pyarrow as pa, pyarrow.parquet as pq
from pathlib import Path
from transforms.encoding import decode_to_utf8
inbox, out = Path(sys.argv[1] if len(sys.argv) > 1 else '{inbox}'), Path('{out}')
out.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
for path in sorted(inbox.rglob('*')):
    if path.suffix == '.csv':
        _, utf8 = decode_to_utf8(path, out / 'utf8.csv')
        con.execute(f"COPY (SELECT * FROM read_csv('{{utf8}}', all_varchar=true)) TO '{{out / path.stem}}.parquet'")
    elif path.suffix == '.json':
        con.execute(f"COPY (SELECT unnest(ChildCareInfo.row, recursive := true) FROM read_json('{{path}}')) TO '{{out / path.stem}}.parquet'")
    elif path.suffix == '.xml':
        rows = [{{c.tag: c.text or '' for c in item}} for item in ET.parse(path).getroot()]
        pq.write_table(pa.Table.from_pylist(rows), out / f'{{path.stem}}.parquet')
"""

PIPELINE = """
import json
from orchestration.settings import Settings
from orchestration.runner import run_main
summary = run_main(Settings.from_env())
print(json.dumps({"success": summary.success, "rows": summary.rows, "failed": summary.checks_failed,
                  "steps": summary.step_seconds}))
"""

GENERATE = """
from pathlib import Path
from transforms.synthetic.childcare import generate_childcare
generate_childcare(Path('{inbox}'), scale={scale})
"""


def bench_scale(scale: float, root: Path) -> dict:
    inbox = root / f"sf{scale}" / "inbox"
    _measure(GENERATE.format(inbox=inbox, scale=scale), {})
    size = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file())
    copy_s, copy_rss, _ = _measure(INGEST_COPY.format(inbox=inbox, out=root / f"sf{scale}" / "copy"), {})
    env = {
        "LAKEHOUSE_INBOX": str(inbox),
        "LAKEHOUSE_DATA_DIR": str(root / f"sf{scale}" / "lake"),
        "LAKEHOUSE_KEY_DIR": str(root / f"sf{scale}" / "keys"),
    }
    run_s, run_rss, stdout = _measure(PIPELINE, env)
    result = json.loads(stdout.strip().splitlines()[-1])
    if not result["success"]:
        raise RuntimeError(f"pipeline failed at SF {scale}: {result['failed']}")
    print(f"SF {scale} pipeline steps (s): {json.dumps(result['steps'])}", file=sys.stderr)
    return {
        "scale": scale,
        "input_mb": round(size / 2**20, 1),
        "meal_rows": result["rows"].get("raw_identified.childcare_meals", 0) + result["rows"].get("quarantine.childcare_meals", 0),
        "ingest_copy_s": round(copy_s, 1),
        "pipeline_s": round(run_s, 1),
        "ratio": round(run_s / copy_s, 2),
        "ingest_copy_peak_rss_mb": round(copy_rss),
        "pipeline_peak_rss_mb": round(run_rss),
    }


def main() -> None:
    scales = [float(s) for s in sys.argv[1:]] or list(SCALES)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        results = [bench_scale(scale, Path(tmp)) for scale in scales]
    header = list(results[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        print("| " + " | ".join(str(r[h]) for h in header) + " |")


if __name__ == "__main__":
    main()
