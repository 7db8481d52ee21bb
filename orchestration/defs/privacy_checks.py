"""Privacy gates as blocking checks on every staging model, mart and release (governance.md §4).

A mart's or a release's gates are a step of their own: a failed gate blocks what reads that asset (its
release, the analyst databases) and nothing else. Every staging model's gates run in one step,
`privacy_gates__staging`: dbt builds staging and marts in one step before any gate runs, so no later step
waits on a staging gate, and one step per model only cost time (~0.2 s each). Each model keeps its own
checks and results."""


import dagster as dg

from catalog.contracts import Contract, load_contracts
from lake.session import lake_session
from orchestration.lib.metadata import asset_key
from orchestration.defs.resources import LakeResource
from quality.privacy_gates import gate_names, release_gates
from quality.scan_progress import record_scan, scan_scope


def _check_keys(contract: Contract) -> list[dg.AssetCheckKey]:
    return [dg.AssetCheckKey(asset_key(contract), gate) for gate in gate_names(contract)]


def _gate_results(con, settings, contract: Contract, selected) -> list[dg.AssetCheckResult]:
    found = []
    for table in contract.tables:
        scope = scan_scope(con, settings, table.physical_name)  # rows added since the last passing scan
        results = release_gates(con, f"lake.{table.physical_name}", contract, table, scope.rows, scope.description)
        if all(r.passed for r in results if r.gate == "no_direct_identifiers"):
            record_scan(settings, table.physical_name, scope)
        found += results
    checks = []
    for check in _check_keys(contract):
        if check not in selected:
            continue
        mine = [r for r in found if r.gate == check.name]
        checks.append(dg.AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=all(r.passed for r in mine),
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "findings": dg.MetadataValue.json([f for r in mine for f in r.findings]),
                "evidence": dg.MetadataValue.json([r.evidence for r in mine]),
            },
        ))
    return checks


def privacy_checks(name: str, contracts: list[Contract]) -> dg.AssetChecksDefinition:
    """The gates of these contracts' assets, in one step; a run checks the assets it selected."""

    @dg.multi_asset_check(
        name=name,
        specs=[dg.AssetCheckSpec(key.name, asset=key.asset_key, blocking=True,
                                 description=f"Privacy gate {key.name} (governance.md §4)")
               for contract in contracts for key in _check_keys(contract)],
        can_subset=True,
    )
    def gates(context: dg.AssetCheckExecutionContext, lake: LakeResource):
        settings = lake.settings()
        selected = context.selected_asset_check_keys
        chosen = [c for c in contracts if any(key in selected for key in _check_keys(c))]
        with lake_session(settings, read_only=True) as con:
            results = [check for contract in chosen for check in _gate_results(con, settings, contract, selected)]
        yield from results

    return gates


def definitions() -> dg.Definitions:
    gated = [c for c in load_contracts().values() if c.layer in ("staging", "mart", "release")]
    staging = [c for c in gated if c.layer == "staging"]
    others = [privacy_checks(f"privacy_gates__{c.id}", [c]) for c in gated if c.layer != "staging"]
    return dg.Definitions(asset_checks=[privacy_checks("privacy_gates__staging", staging), *others])
