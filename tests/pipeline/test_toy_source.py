"""A new source is three places: its contract, its loader module and its staging model.

In a temporary copy of the project, a toy source is added by writing exactly those files (the raw and
staging contracts, `transforms/<domain>/<module>.py`, the staging SQL) and nothing else; the generated
dbt YAML comes from `catalog dbt-sync`. It is then discovered, ingested, checked, staged and visible in
the Dagster definitions.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lake.settings import PROJECT_ROOT

pytestmark = pytest.mark.pipeline

SOURCE_ID = "toy_noise_readings"
COMMON = """apiVersion: v3.2.0
kind: DataContract
version: 1.0.0
status: active
domain: safety
dataProduct: child_traffic_safety
tenant: gangseo-gu
team:
  name: safety-data
  members:
    - {username: "team:safety-data", role: owner}
    - {username: safety-steward@gangseo.example, role: steward}
slaProperties:
  - {property: retention, value: 1, unit: y, driver: analytics}
"""
CUSTOM = """  - {property: legal_basis, value: 도로교통법 제12조 — aggregate noise levels, no personal data}
  - {property: purpose_code, value: CHILD_TRAFFIC_SAFETY_STATS}
  - {property: pseudonymization_level, value: none}
  - {property: k_min, value: 5}
  - {property: l_min, value: null}
  - {property: t_max, value: null}
  - {property: small_cell_min, value: 5}
  - {property: additional_info_location, value: not-applicable}
  - {property: destruction_method, value: ducklake-verified-purge}
"""
FILES = {
    f"catalog/contracts/safety/{SOURCE_ID}.yaml": f"""{COMMON}id: {SOURCE_ID}
name: 소음 측정 (장난감) / Toy noise readings
tags: [safety, source, synthetic]
description:
  usage: A toy source that proves a source is three places.
  purpose: 테스트
  limitations: Toy data.
customProperties:
  - {{property: layer, value: raw}}
{CUSTOM}schema:
  - name: {SOURCE_ID}
    physicalName: raw_identified.{SOURCE_ID}
    physicalType: table
    businessName: 소음 측정
    description: One row per sensor and hour.
    quality:
      - {{type: custom, engine: great_expectations, name: gx_sample_rows, implementation: '1000', description: GX sample size.}}
    properties:
      - {{name: sensor_id, businessName: 센서ID, physicalType: VARCHAR, logicalType: string, required: true, primaryKey: true, primaryKeyPosition: 1,
         classification: internal, description: Sensor id., logicalTypeOptions: {{pattern: '^N[0-9]{{2}}$'}}, synonyms: [{{synonym: 센서ID}}]}}
      - {{name: measured_hour, businessName: 측정시각, physicalType: INTEGER, logicalType: integer, required: true, primaryKey: true, primaryKeyPosition: 2,
         classification: internal, description: Hour of day., logicalTypeOptions: {{minimum: 0, maximum: 23}}, synonyms: [{{synonym: 측정시각}}]}}
      - {{name: decibels, businessName: 소음(dB), physicalType: DOUBLE, logicalType: number, required: true, classification: internal,
         description: Mean level in the hour., logicalTypeOptions: {{minimum: 0, maximum: 140}}, synonyms: [{{synonym: 소음(dB)}}]}}
""",
    "catalog/contracts/safety/stg_safety__toy_noise.yaml": f"""{COMMON}id: stg_safety__toy_noise
name: 소음 측정 (정제) / Toy noise, staged
tags: [safety, staging, synthetic]
description:
  usage: The toy readings, latest record per sensor and hour.
  purpose: 테스트
  limitations: Toy data.
customProperties:
  - {{property: layer, value: staging}}
{CUSTOM}schema:
  - name: stg_safety__toy_noise
    physicalName: staging_pseudonymized.stg_safety__toy_noise
    physicalType: table
    businessName: 소음 측정 (정제)
    description: One row per sensor and hour.
    properties:
      - {{name: sensor_id, logicalType: string, required: true, primaryKey: true, primaryKeyPosition: 1, classification: internal, transformSourceObjects: [{SOURCE_ID}.sensor_id]}}
      - {{name: measured_hour, logicalType: integer, required: true, primaryKey: true, primaryKeyPosition: 2, classification: internal, transformSourceObjects: [{SOURCE_ID}.measured_hour]}}
      - {{name: decibels, logicalType: number, required: true, classification: internal, transformSourceObjects: [{SOURCE_ID}.decibels]}}
""",
    f"transforms/safety/{SOURCE_ID}.py": f'''"""Toy noise readings: a CSV with Korean headers."""

from transforms.records import read_extract_csv
from transforms.source import Source

SOURCE = Source("{SOURCE_ID}", ("toy CSV",), (".csv",), lambda path, name: read_extract_csv(path, name, "{SOURCE_ID}"))
''',
    "dbt_project/models/staging/safety/stg_safety__toy_noise.sql": f"""select sensor_id, measured_hour, decibels
from {{{{ source('raw_identified', '{SOURCE_ID}') }}}}
""",
}
INBOX_FILE = "센서ID,측정시각,소음(dB)\nN01,7,61.5\nN01,8,64.0\nN02,7,55.25\nN02,25,50\n"  # hour 25: quarantined

# Run inside the copy: sync the generated YAML, then build the definitions and materialize the toy's
# raw and staging assets with their checks.
SCRIPT = f"""
import json
import dagster as dg
from catalog.dbt_sync import sync
from lake.session import lake_session
from lake.settings import DBT_PROJECT_DIR, Settings
from orchestration.defs import build_definitions
from transforms.dbt_project import prepare_manifest
from transforms.sources import sources

sync(DBT_PROJECT_DIR)
settings = Settings.from_env()
prepare_manifest(settings)
defs = build_definitions(settings)
keys = {{k.to_user_string() for k in defs.resolve_all_asset_keys()}}
checks = {{c.to_user_string() for c in defs.resolve_asset_graph().asset_check_keys}}
raw, staged = dg.AssetKey(["raw_identified", "{SOURCE_ID}"]), dg.AssetKey(["staging_pseudonymized", "stg_safety__toy_noise"])
result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
    asset_selection=[raw, staged], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
with lake_session(settings, read_only=True) as con:
    rows = con.execute("SELECT sensor_id, measured_hour, decibels FROM lake.staging_pseudonymized.stg_safety__toy_noise ORDER BY 1, 2").fetchall()
    quarantined = con.execute("SELECT count(*) FROM lake.quarantine.{SOURCE_ID}").fetchone()[0]
print(json.dumps({{
    "discovered": "{SOURCE_ID}" in sources(),
    "keys": sorted(keys), "checks": sorted(checks), "success": result.success,
    "materialized": sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events()),
    "check_results": {{f"{{e.asset_key.to_user_string()}}:{{e.check_name}}": e.passed for e in result.get_asset_check_evaluations()}},
    "rows": rows, "quarantined": quarantined,
    "failures": [str(e.step_failure_data.error.message)[:2000] for e in result.all_events if e.is_step_failure],
}}, default=str))
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("toy")
    copy = root / "project"
    skipped = {".git", ".venv", "data", "tests", ".keys", ".duckdb_extensions"}  # at the top only: dbt has tests/ too
    shutil.copytree(PROJECT_ROOT, copy, ignore=lambda folder, names: [
        n for n in names if (Path(folder) == PROJECT_ROOT and n in skipped) or n in ("target", "logs", "__pycache__")])
    before = {p.relative_to(copy) for p in copy.rglob("*") if p.is_file()}
    for relative, text in FILES.items():
        (copy / relative).write_text(text, encoding="utf-8")
    inbox = root / "inbox" / SOURCE_ID
    inbox.mkdir(parents=True)
    (inbox / "readings.csv").write_text(INBOX_FILE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "LAKEHOUSE_DATA_DIR": str(root / "data"),
           "LAKEHOUSE_KEY_DIR": str(root / "keys"), "LAKEHOUSE_INBOX": str(root / "inbox")}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=copy, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    runtime = {"target", "logs", "__pycache__", ".duckdb_extensions"}  # written by running, not by a person
    after = {p.relative_to(copy) for p in copy.rglob("*") if p.is_file() and not runtime & set(p.relative_to(copy).parts)}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "new_files": sorted(map(str, after - before))}


def test_only_the_three_places_and_generated_yaml_are_new(toy):
    generated = {"dbt_project/models/staging/safety/_stg_safety__toy_noise.yml"}
    assert set(toy["new_files"]) == set(FILES) | generated
    # The raw zone's dbt `sources:` is generated from the contracts too: it changed, nobody edited it.


def test_the_toy_is_discovered_and_visible_in_the_definitions(toy):
    assert toy["discovered"]
    assert {f"source/{SOURCE_ID}", f"raw_identified/{SOURCE_ID}", "staging_pseudonymized/stg_safety__toy_noise"} <= set(toy["keys"])
    assert f"raw_identified/{SOURCE_ID}:gx_contract_suite" in toy["checks"]
    assert any(c.startswith("staging_pseudonymized/stg_safety__toy_noise:privacy") or
               c.startswith("staging_pseudonymized/stg_safety__toy_noise:no_direct") for c in toy["checks"])


def test_the_toy_is_ingested_checked_and_staged(toy):
    assert toy["success"], (toy["check_results"], toy["failures"])
    assert {f"raw_identified/{SOURCE_ID}", "staging_pseudonymized/stg_safety__toy_noise"} <= set(toy["materialized"])
    assert toy["check_results"][f"raw_identified/{SOURCE_ID}:gx_contract_suite"] is True
    staged_checks = {k: v for k, v in toy["check_results"].items() if k.startswith("staging_pseudonymized/stg_safety__toy_noise:")}
    assert staged_checks and all(staged_checks.values()), staged_checks  # dbt tests and privacy gates ran and passed
    assert toy["rows"] == [["N01", 7, 61.5], ["N01", 8, 64.0], ["N02", 7, 55.25]]
    assert toy["quarantined"] == 1
