"""Privacy gates as blocking checks on every mart and release (governance.md §4)."""


import dagster as dg

from catalog.contracts import Contract, load_contracts
from lake.session import lake_session
from orchestration.lib.metadata import asset_key
from orchestration.defs.resources import LakeResource
from quality.privacy_gates import gate_names, release_gates
from quality.scan_progress import record_scan, scan_scope


def privacy_checks(contract: Contract) -> dg.AssetChecksDefinition:
    key = asset_key(contract)

    @dg.multi_asset_check(
        name=f"privacy_gates__{contract.id}",
        specs=[dg.AssetCheckSpec(gate, asset=key, blocking=True, description=f"Privacy gate {gate} (governance.md §4)")
               for gate in gate_names(contract)],
    )
    def gates(context: dg.AssetCheckExecutionContext, lake: LakeResource):
        settings = lake.settings()
        results = []
        with lake_session(settings, read_only=True) as con:
            for table in contract.tables:
                scope = scan_scope(con, settings, table.physical_name)  # rows added since the last passing scan
                found = release_gates(con, f"lake.{table.physical_name}", contract, table, scope.rows, scope.description)
                if all(r.passed for r in found if r.gate == "no_direct_identifiers"):
                    record_scan(settings, table.physical_name, scope)
                results += found
        for gate in gate_names(contract):
            mine = [r for r in results if r.gate == gate]
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=gate,
                passed=all(r.passed for r in mine),
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "findings": dg.MetadataValue.json([f for r in mine for f in r.findings]),
                    "evidence": dg.MetadataValue.json([r.evidence for r in mine]),
                },
            )

    return gates


def definitions() -> dg.Definitions:
    return dg.Definitions(asset_checks=[privacy_checks(c) for c in load_contracts().values() if c.layer in ("staging", "mart", "release")])
