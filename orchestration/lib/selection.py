"""One selection for `lakehouse run` and the inbox sensor: the planned sources' raw assets and all downstream.

A run's tags carry its plan (`plan_tags`), so a successful run, however launched, can clear its sources.

Downstream of a raw asset are its checks, the dbt models built from it (dagster-dbt turns the selected
models into `dbt build --select`), the marts, releases and analyst databases they feed, with their checks.
"""

from __future__ import annotations

import dagster as dg

from catalog.contracts import get_contract
from orchestration.lib.metadata import asset_key
from transforms.run_plan import RunPlan


def planned_selection(plan: RunPlan) -> dg.AssetSelection:
    if plan.full:
        return dg.AssetSelection.all()
    return dg.AssetSelection.assets(*(asset_key(get_contract(s)) for s in plan.sources)).downstream()


def planned_keys(graph, plan: RunPlan) -> list[dg.AssetKey]:
    """The asset keys the plan runs in this asset graph, in a stable order."""
    return sorted(planned_selection(plan).resolve(graph) & graph.materializable_asset_keys,
                  key=lambda k: k.to_user_string())


SOURCES_TAG, FULL_TAG, BUILT_WITH_TAG = "lakehouse/sources", "lakehouse/full", "lakehouse/built_with"


def plan_tags(plan: RunPlan) -> dict[str, str]:
    return {SOURCES_TAG: ",".join(plan.sources), FULL_TAG: str(plan.full).lower(), BUILT_WITH_TAG: plan.code_version}


def plan_from_tags(tags: dict[str, str]) -> RunPlan | None:
    if SOURCES_TAG not in tags:
        return None
    return RunPlan(tags.get(FULL_TAG) == "true", "from the run's tags", tuple(s for s in tags[SOURCES_TAG].split(",") if s),
                   code_version=tags.get(BUILT_WITH_TAG, ""))
