import json
from importlib import resources

import jsonschema
import pytest

from catalog.contracts import CONTRACTS_DIR, load_contracts, contract_problems, tier_rank
from catalog.dbt_sync import generated_files
from catalog.registry import pilots, purposes
from catalog.yaml_files import read_yaml
from catalog.search import upstream
from lake.settings import DBT_PROJECT_DIR

CONTRACTS = load_contracts()
ODCS_SCHEMA = json.loads(resources.files("open_data_contract_standard").joinpath("schema.json").read_text())
# Checked and compiled once: jsonschema.validate() re-checks the schema on every call (~1 s each here).
ODCS_VALIDATOR = jsonschema.validators.validator_for(ODCS_SCHEMA)(ODCS_SCHEMA)


@pytest.mark.parametrize("path", sorted(CONTRACTS_DIR.rglob("*.yaml")), ids=lambda p: p.stem)
def test_contract_is_valid_odcs_json_schema(path):
    ODCS_VALIDATOR.validate(read_yaml(path))


@pytest.mark.parametrize("contract_id", sorted(CONTRACTS))
def test_contract_meets_project_rules(contract_id):
    assert contract_problems(CONTRACTS[contract_id], set(purposes())) == []


def test_every_pilot_release_and_purpose_is_registered():
    for pilot in pilots().values():
        assert CONTRACTS[pilot.release].layer == "release"
        assert set(pilot.purposes) <= set(purposes())


def test_committed_dbt_yaml_is_generated_from_the_contracts():
    """Edit a contract without `lakehouse catalog dbt-sync` and this fails."""
    for path, text in generated_files(DBT_PROJECT_DIR).items():
        assert path.exists(), f"{path} missing: run `lakehouse catalog dbt-sync`"
        assert path.read_text(encoding="utf-8") == text, f"{path} differs from its contract"


@pytest.fixture(scope="module")
def dbt_manifest():
    """The manifest dbt parses from the project (what the main job builds from), prepared if it is stale."""
    from transforms.dbt_project import prepare_manifest
    from lake.settings import Settings

    return prepare_manifest(Settings.from_env())


def test_dbt_manifest_columns_and_types_equal_the_contracts(dbt_manifest):
    """The enforced dbt contract is what dbt built: same columns, same order, same types."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    for contract in CONTRACTS.values():
        if contract.layer not in ("staging", "mart", "reference"):
            continue
        node = nodes[contract.table.name]
        assert [(c["name"], c["data_type"]) for c in node["columns"].values()] == \
               [(c.name, c.physical_type.lower()) for c in contract.table.columns]
        if contract.layer != "reference":
            assert node["config"]["contract"]["enforced"] is True


def test_tiers_never_drop_downstream_without_a_declared_anonymising_step():
    for contract in CONTRACTS.values():
        inputs = [CONTRACTS[u] for u in upstream(contract)]
        if not inputs or contract.anonymising_step:
            continue
        highest = max((c.tier for c in inputs), key=tier_rank)
        assert tier_rank(contract.tier) >= tier_rank(highest), f"{contract.id} is below its inputs ({highest})"


def test_marts_and_releases_hold_no_identified_column():
    for contract in CONTRACTS.values():
        if contract.layer in ("mart", "release"):
            assert all(not c.direct_identifier and tier_rank(c.tier) < tier_rank("identified")
                       for t in contract.tables for c in t.columns), contract.id
