"""Staging models, marts and reference seeds, built by `dbt build` into the lake (tests become checks)."""


import contextlib
import io
import os
import shutil

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from catalog.contracts import load_contracts
from orchestration.lib.run_log import run_file_log
from orchestration.lib.selection import FULL_TAG
from orchestration.lib.translator import ContractTranslator
from orchestration.defs.resources import LakeResource
from lake.session import writer_lock
from lake.settings import RUN_ID_ENV, Settings
from transforms.dbt_project import cached_manifest
from transforms.pseudonymize import ensure_key


def pseudonym_purposes() -> list[str]:
    return sorted({c.custom["purpose_code"] for c in load_contracts().values()
                   if c.custom.get("pseudonymization_level") == "keyed-hmac-per-purpose"})


def ensure_purpose_keys(settings: Settings, log) -> None:
    for purpose in pseudonym_purposes():
        path, created = ensure_key(settings.key_dir, purpose)
        if created:
            log.warning(f"Created the pseudonymization key for {purpose} at {path} (key vault, outside the lake, "
                        "git-ignored). Back it up with the vault; losing it breaks pseudonym continuity.")


class _LinesToLog(io.TextIOBase):
    """dagster-dbt echoes every dbt log line to stdout; this sends them to the run's log file instead."""

    def __init__(self, log) -> None:
        self._log, self._pending = log, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._log.debug(f"dbt: {line}")
        return len(text)


def definitions() -> dg.Definitions:
    @dbt_assets(manifest=cached_manifest(), dagster_dbt_translator=ContractTranslator())
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
        run_settings = lake.settings()
        ensure_purpose_keys(run_settings, context.log)
        os.environ.update(run_settings.env())  # the dbt profile and plugin read these
        os.environ[RUN_ID_ENV] = context.run.run_id
        run_settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Incremental models recompute what changed since they were last built; a complete run (first
        # build, changed contracts or models, `lakehouse run --all`) rebuilds them from scratch.
        args = ["build", "--full-refresh"] if context.run.tags.get(FULL_TAG) == "true" else ["build"]
        # dbt opens the lake in its own process: hold the lake lock for the whole build.
        with writer_lock(run_settings), contextlib.redirect_stdout(_LinesToLog(run_file_log(context.run.run_id))):
            invocation = dbt.cli(args, context=context)
            yield from invocation.stream()
        # The build's own folder under the project's target/ (dbt.log, run results, compiled SQL, a copy of the
        # manifest: ~4 MB a run) stays when the build fails, for whoever looks into why, and goes when it succeeds.
        shutil.rmtree(invocation.target_path, ignore_errors=True)

    return dg.Definitions(assets=[dbt_models])
