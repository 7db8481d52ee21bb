"""`make bench`: the full pipeline against the ingest-copy limit, per domain and scale, in one run.

Ingest-copy is the least any loader must do with the same raw files: read each once and write it
once as Parquet (CSV: stream CP949 → UTF-8, then DuckDB read_csv → Parquet; JSON: DuckDB read_json →
Parquet; JSON Lines: DuckDB read_json → Parquet; XML: ElementTree → Parquet; XLSX: openpyxl → Parquet).
Pipeline is the main job (`lakehouse run`) on a fresh lake whose inbox holds one domain's sources.
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

# (domain, scale): childcare at two scales shows the fixed costs; welfare at SF 1 is the privacy-gate case.
RUNS = (("childcare", 0.1), ("childcare", 1.0), ("welfare", 1.0))


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
        rows = "unnest(ChildCareInfo.row, recursive := true)" if b'ChildCareInfo' in path.read_bytes()[:200] else "*"  # other APIs: the page as read
        con.execute(f"COPY (SELECT {{rows}} FROM read_json('{{path}}')) TO '{{out / path.stem}}.parquet'")
    elif path.suffix == '.zip':  # each CSV member (CP949 member names), like any CSV
        import zipfile
        with zipfile.ZipFile(path, metadata_encoding='cp949') as archive:
            for i, member in enumerate(m for m in archive.namelist() if m.lower().endswith('.csv')):
                (out / 'member.csv').write_bytes(archive.read(member))
                _, utf8 = decode_to_utf8(out / 'member.csv', out / 'utf8.csv')
                con.execute(f"COPY (SELECT * FROM read_csv('{{utf8}}', all_varchar=true)) TO '{{out / path.stem}}-{{i}}.parquet'")
    elif path.suffix in ('.jsonl', '.ndjson'):
        con.execute(f"COPY (SELECT * FROM read_json('{{path}}', format='newline_delimited', ignore_errors=true)) TO '{{out / path.stem}}.parquet'")
    elif path.suffix == '.xml':
        rows = [{{c.tag: c.text or '' for c in item}} for item in ET.parse(path).getroot()]
        pq.write_table(pa.Table.from_pylist(rows), out / f'{{path.stem}}.parquet')
    elif path.suffix == '.xlsx':
        import openpyxl
        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = [[str(v) if v is not None else '' for v in row] for row in sheet.iter_rows(values_only=True)]
        pq.write_table(pa.Table.from_pylist([dict(zip(map(str, range(len(r))), r)) for r in rows]), out / f'{{path.stem}}.parquet')
"""

PIPELINE = """
import json
from lake.settings import Settings
from orchestration.runner import run_main
summary = run_main(Settings.from_env())
print(json.dumps({"success": summary.success, "rows": summary.rows, "failed": summary.checks_failed,
                  "steps": summary.step_seconds}))
"""

GENERATE = {
    "childcare": """
from pathlib import Path
from synthetic.childcare import generate_childcare
generate_childcare(Path('{inbox}'), scale={scale})
""",
    # 12,000 people at SF 1, calls twice a week and hourly IoT for ~2,000 households over four weeks
    "welfare": """
from pathlib import Path
from synthetic.welfare_ops import generate_welfare_ops
from synthetic.welfare_stats import generate_welfare_stats
generate_welfare_ops(Path('{inbox}'), scale={scale}, days=28)
generate_welfare_stats(Path('{inbox}'))
""",
    # national-size public files (CCTV ≈ 375,000 rows, zones, parking lots) plus a year of the internal sources
    "safety": """
from pathlib import Path
from synthetic.safety_public import generate_safety_public
from synthetic.safety_internal import generate_safety_internal
generate_safety_public(Path('{inbox}'), scale={scale})
generate_safety_internal(Path('{inbox}'), scale={scale})
""",
    # a Seoul-size store file (≈ 550,000 rows) in four quarterly ZIPs, and Gangseo's ≈ 70 상권 tables
    "commerce": """
from pathlib import Path
from synthetic.commerce import generate_commerce
generate_commerce(Path('{inbox}'), scale={scale})
""",
}
# The rows that say how big a run was, per domain: raw + quarantine of the largest sources.
VOLUME = {"childcare": ("childcare_meals",), "commerce": ("stores", "commerce_sales"), "welfare": ("welfare_call_logs", "welfare_iot_readings"),
          "safety": ("cctv", "smart_pole_counts", "disabled_parking_events")}


def _share(steps: dict[str, float], marker: str, wall: float) -> float:
    """Share of the pipeline's wall time spent in steps whose key contains `marker` (the in-process
    executor runs steps one after another, so step durations add up)."""
    return round(sum(v for k, v in steps.items() if marker in k) / wall, 3)


def bench(domain: str, scale: float, root: Path) -> dict:
    here = root / f"{domain}-sf{scale}"
    inbox = here / "inbox"
    _measure(GENERATE[domain].format(inbox=inbox, scale=scale), {})
    size = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file())
    copy_s, copy_rss, _ = _measure(INGEST_COPY.format(inbox=inbox, out=here / "copy"), {})
    env = {"LAKEHOUSE_INBOX": str(inbox), "LAKEHOUSE_DATA_DIR": str(here / "lake"), "LAKEHOUSE_KEY_DIR": str(here / "keys")}
    run_s, run_rss, stdout = _measure(PIPELINE, env)
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
        "rows_read": sum(rows.get(f"{zone}.{t}", 0) for t in VOLUME[domain] for zone in ("raw_identified", "quarantine")),
        "ingest_copy_s": round(copy_s, 1),
        "pipeline_s": round(run_s, 1),
        "ratio": round(run_s / copy_s, 2),
        "privacy_gates_share": _share(steps, "privacy_gates", run_s),
        "gx_share": _share(steps, "gx_", run_s),
        "ingest_copy_peak_rss_mb": round(copy_rss),
        "pipeline_peak_rss_mb": round(run_rss),
    }


def main() -> None:
    """`python -m bench [domain:scale …]`, e.g. `welfare:1`; default: RUNS."""
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
