"""What the Dagster instance knows about a dataset: its latest check results and its freshness against the
SLA in its contract. `lakehouse catalog show` prints both (`observed`), from the instance the main job writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType

from catalog.contracts import Contract, ContractError
from catalog.freshness import sla
from orchestration.lib.dagster_storage import existing_instance
from orchestration.lib.metadata import asset_key
from lake.settings import Settings

def _time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def key_facts(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Check metadata as plain values, with the scalars of per-table evidence dicts (e.g. `k_achieved`)
    lifted to the top; a lifted fact seen in several tables is the list of its values."""
    facts: dict[str, Any] = {}
    lifted: dict[str, list[Any]] = {}
    for name, raw in metadata.items():
        value = _plain(raw)
        evidence = [value] if isinstance(value, dict) else value if isinstance(value, list) else None
        if not evidence or not all(isinstance(item, dict) for item in evidence):
            facts[name] = value
            continue
        for item in evidence:
            for key, fact in item.items():
                if fact is None or isinstance(fact, (str, int, float, bool)):
                    lifted.setdefault(key, []).append(fact)
    return {**facts, **{key: values[0] if len(values) == 1 else values for key, values in lifted.items()}}


def _check_keys(instance: dg.DagsterInstance, run_id: str, asset_key: dg.AssetKey) -> set[dg.AssetCheckKey]:
    """The asset's checks, as its latest materializing run planned them (the event log indexes checks by key,
    not by asset)."""
    kinds = {DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION}
    found = set()
    for entry in instance.all_logs(run_id, of_type=kinds):
        data = entry.dagster_event.event_specific_data
        if data.asset_key == asset_key:
            found.add(dg.AssetCheckKey(asset_key, data.check_name))
    return found


def latest_checks(instance: dg.DagsterInstance, asset_key: dg.AssetKey) -> list[dict[str, Any]]:
    """Each check of the asset with its latest execution: passed (None if it did not run), severity, time, facts."""
    materialization = instance.get_latest_materialization_event(asset_key)
    if materialization is None:
        return []
    keys = sorted(_check_keys(instance, materialization.run_id, asset_key), key=lambda k: k.name)
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    rows = []
    for key in keys:
        record = records.get(key)
        evaluation = record.event.dagster_event.event_specific_data if record and record.event else None
        ran = record is not None and record.status.value in ("SUCCEEDED", "FAILED")
        rows.append({
            "check": key.name,
            "passed": evaluation.passed if ran else None,
            "severity": evaluation.severity.value if ran else None,
            "time": _time(record.event.timestamp) if ran else None,
            "run_id": record.run_id if record else None,
            "facts": key_facts(evaluation.metadata) if ran else {},
        })
    return rows


def freshness(instance: dg.DagsterInstance | None, asset_key: dg.AssetKey, contract: Contract,
              now: datetime | None = None) -> dict[str, Any]:
    """Last materialization against the contract SLA (catalog/freshness.py, the asset's policy too): status `fresh`, `stale`, `never` (not yet built) or
    `no_sla` (built, but the contract promises no refresh interval). No instance: nothing was ever run."""
    agreed = sla(contract)
    latest = instance.get_latest_materialization_event(asset_key) if instance else None
    result: dict[str, Any] = {
        "last_materialization": _time(latest.timestamp) if latest else None,
        "run_id": latest.run_id if latest else None,
        "sla": f"{agreed['value']} {agreed['unit']} ({agreed['property']})" if agreed else None,
        "due_by": None,
    }
    if latest is None:
        return {**result, "status": "never"}
    if agreed is None:
        return {**result, "status": "no_sla"}
    due = datetime.fromtimestamp(latest.timestamp, tz=timezone.utc) + agreed["max_age"]
    status = "fresh" if (now or datetime.now(timezone.utc)) <= due else "stale"
    return {**result, "due_by": due.isoformat(timespec="seconds"), "status": status}


def observed(settings: Settings, contract: Contract) -> dict[str, Any]:
    """Latest checks and freshness of a contract's asset, read-only: a lake never run reports `never`."""
    try:
        key = asset_key(contract)
    except ContractError:  # a multi-table dataset that is not a release has no single asset
        return {"checks": [], "freshness": {"status": "no_asset"}}
    home = settings.dagster_home
    if not (home / "dagster.yaml").exists():
        return {"checks": [], "freshness": freshness(None, key, contract)}
    instance = existing_instance(home)  # opens the instance in that folder (its storage may be PostgreSQL)
    return {"checks": latest_checks(instance, key), "freshness": freshness(instance, key, contract)}

