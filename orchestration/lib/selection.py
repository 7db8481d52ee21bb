"""One selection for `lakehouse run` and the inbox sensor: the planned sources' raw assets and all downstream.

A run's tags carry its plan (`plan_tags`), so a successful run, however launched, can clear its sources.

Downstream of a raw asset are its checks, the dbt models built from it (dagster-dbt turns the selected
models into `dbt build --select`), the marts, releases and analyst databases they feed, with their checks.
A domain built completely (`lakehouse run --domain D` on a new lake) is every asset of its contracts, the
shared seeds they read (geography: no domain runs them) and everything downstream; other domains' assets
are left alone.
"""

from __future__ import annotations

import dagster as dg

from catalog.contracts import get_contract, load_contracts
from orchestration.lib.metadata import asset_key
from transforms.run_plan import RunPlan, run_domains


def _domain_selection(domains: tuple[str, ...]) -> dg.AssetSelection:
    own = dg.AssetSelection.assets(*(asset_key(c) for c in load_contracts().values() if c.domain in domains))
    others = dg.AssetSelection.assets(*(asset_key(c) for c in load_contracts().values()
                                        if c.domain in run_domains() and c.domain not in domains))
    return own.downstream() | (own.upstream() - others)


def whole_lake(plan: RunPlan) -> bool:
    """The plan builds every asset: complete for every domain."""
    return plan.full and set(plan.complete or run_domains()) == set(run_domains())


def planned_selection(plan: RunPlan) -> dg.AssetSelection:
    if whole_lake(plan):
        return dg.AssetSelection.all()
    incremental = dg.AssetSelection.assets(*(asset_key(get_contract(s)) for s in plan.sources)).downstream()
    return incremental | _domain_selection(plan.complete) if plan.complete else incremental


def planned_keys(graph, plan: RunPlan) -> list[dg.AssetKey]:
    """The asset keys the plan runs in this asset graph, in a stable order."""
    return sorted(planned_selection(plan).resolve(graph) & graph.materializable_asset_keys,
                  key=lambda k: k.to_user_string())


SOURCES_TAG, FULL_TAG, BUILT_WITH_TAG = "lakehouse/sources", "lakehouse/full", "lakehouse/built_with"
DOMAINS_TAG, COMPLETE_TAG = "lakehouse/domains", "lakehouse/complete"  # the run's scope; domains built completely


def plan_tags(plan: RunPlan) -> dict[str, str]:
    return {SOURCES_TAG: ",".join(plan.sources), FULL_TAG: str(plan.full).lower(), BUILT_WITH_TAG: plan.code_version,
            DOMAINS_TAG: ",".join(plan.domains), COMPLETE_TAG: ",".join(plan.complete)}


def _names(tags: dict[str, str], tag: str) -> tuple[str, ...]:
    return tuple(s for s in tags.get(tag, "").split(",") if s)


def run_scope(tags: dict[str, str]) -> tuple[str, ...]:
    """The domains a run with these tags builds (its run locks): every domain unless the tags name some."""
    return _names(tags, DOMAINS_TAG) or run_domains()


def plan_from_tags(tags: dict[str, str]) -> RunPlan | None:
    if SOURCES_TAG not in tags:
        return None
    return RunPlan(tags.get(FULL_TAG) == "true", "from the run's tags", _names(tags, SOURCES_TAG),
                   code_version=tags.get(BUILT_WITH_TAG, ""), domains=_names(tags, DOMAINS_TAG),
                   complete=_names(tags, COMPLETE_TAG))
