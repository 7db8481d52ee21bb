"""Snapshot of every asset's governance surface: a change to owners, tags or schema is a reviewed diff."""

import dagster as dg
import pytest

from orchestration.definitions import defs

GRAPH = defs.resolve_asset_graph()
KEYS = sorted(GRAPH.get_all_asset_keys(), key=lambda k: k.to_user_string())


def governance(key: dg.AssetKey) -> dict:
    node = GRAPH.get(key)
    schema = node.metadata.get("dagster/column_schema")
    return {
        "group": node.group_name,
        "owners": sorted(node.owners),
        "tags": dict(sorted(node.tags.items())),
        "kinds": sorted(node.kinds),
        "deps": sorted(p.to_user_string() for p in node.parent_keys),
        "columns": [(c.name, c.type, c.tags.get("tier")) for c in schema.columns] if schema else None,
    }


def test_every_asset_has_an_owner_and_every_lake_asset_a_tier():
    for key in KEYS:
        node = GRAPH.get(key)
        assert node.owners, f"{key.to_user_string()} has no owner"
        if key.path[0] not in ("source",):
            assert node.tags.get("tier"), f"{key.to_user_string()} has no tier tag"


def test_lineage_reads_source_raw_staging_mart_release():
    parents = lambda k: {p.to_user_string() for p in GRAPH.get(dg.AssetKey.from_user_string(k)).parent_keys}
    assert parents("raw_identified/childcare_meals") == {"source/childcare_meals"}
    assert "raw_identified/childcare_meals" in parents("staging_pseudonymized/stg_childcare__meals")
    assert "staging_pseudonymized/stg_childcare__meals" in parents("curated_marts/daycare_meal_nutrition")
    assert parents("release/daycare_food_scanner") == {"curated_marts/daycare_meal_nutrition", "curated_marts/daycare_allergen_exposure"}


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.to_user_string())
def test_asset_governance_snapshot(key, snapshot):
    assert governance(key) == snapshot
