"""The pipeline side of the bench: `python -m bench.pipeline` runs the main job (what new data reaches, as
`lakehouse run` does) on the inbox the environment names (LAKEHOUSE_INBOX, LAKEHOUSE_DATA_DIR,
LAKEHOUSE_KEY_DIR) and prints its summary as one JSON line."""

from __future__ import annotations

import gc
import json

from lake.settings import Settings
from orchestration.runner import run_main

if __name__ == "__main__":
    summary = run_main(Settings.from_env())
    print(json.dumps({"success": summary.success, "plan": summary.plan, "full": summary.full,
                      "assets": summary.assets_materialized, "rows": summary.rows,
                      "failed": summary.checks_failed + summary.failures, "steps": summary.step_seconds}))
    gc.freeze()  # as `lakehouse` ends (cli.main): no collection of the run's heap at teardown
