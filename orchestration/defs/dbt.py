"""Staging models, marts and reference seeds, built by `dbt build` into the lake (tests become checks)."""


import json
import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from catalog.contracts import load_contracts
from orchestration.lib.translator import ContractTranslator
from orchestration.defs.resources import LakeResource
from lake.session import writer_lock
from lake.settings import Settings
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


def definitions() -> dg.Definitions:
    @dbt_assets(manifest=cached_manifest(), dagster_dbt_translator=ContractTranslator())
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource):
        run_settings = lake.settings()
        ensure_purpose_keys(run_settings, context.log)
        os.environ.update(run_settings.env())  # the dbt profile and plugin read these
        run_settings.data_dir.mkdir(parents=True, exist_ok=True)
        # dbt opens the lake in its own process: hold the lake lock for the whole build.
        with writer_lock(run_settings):
            yield from dbt.cli(["build", "--vars", json.dumps({"run_id": context.run.run_id})], context=context).stream()

    return dg.Definitions(assets=[dbt_models])
