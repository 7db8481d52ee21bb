"""Column-level lineage: sqlglot over hand-checked SQL, the real dbt models (no dbt run), Dagster metadata, reports."""

from __future__ import annotations

import copy
import json

import dagster as dg
import pytest

from catalog.contracts import load_contracts
from catalog.lineage import (
    RAW_META_COLUMNS,
    LineageError,
    column_lineage,
    dbt_model_lineage,
    model_lineage,
    model_sql,
    render_model_sql,
    render_reports,
)

MEALS = "staging_pseudonymized.stg_childcare__meals"
CENTERS = "staging_pseudonymized.stg_childcare__centers"
NUTRITION_REF = "reference.meal_nutrition_reference"

# A CTE chain with a window, unnest, aggregates, a USING join, an unknown function and constants.
FIXTURE_SCHEMA = {
    "sales.orders": {"order_id": "BIGINT", "customer_id": "VARCHAR", "amount": "DOUBLE", "tags": "VARCHAR[]",
                     "_loaded_at": "TIMESTAMP"},
    "sales.customers": {"customer_id": "VARCHAR", "region": "VARCHAR", "national_id": "VARCHAR"},
}
FIXTURE_SQL = """
with latest as (
    select *, row_number() over (partition by order_id order by _loaded_at desc) as recency
    from lake.sales.orders
),
tagged as (
    select customer_id, order_id, amount, unnest(tags) as tag from latest where recency = 1
),
per_customer as (
    select customer_id, count(distinct order_id) as order_count, count(*) as tag_rows,
           avg(amount) as mean_amount, max(tag) as last_tag
    from tagged group by customer_id
)
select
    customer_id,
    customers.region,
    mask(customers.national_id) as masked_id,
    case when order_count >= 5 then mean_amount end as mean_amount,
    tag_rows,
    last_tag,
    rank() over (partition by customers.region order by order_count desc) as region_rank,
    'v1' as version,
    0 as zero
from per_customer
inner join lake.sales.customers as customers using (customer_id)
"""


@pytest.fixture(scope="module")
def manifest() -> dict:
    from transforms.dbt_project import prepare_manifest
    from lake.settings import Settings

    return json.loads(prepare_manifest(Settings.from_env()).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(manifest) -> dict:
    """Lineage from the raw model SQL rendered here: what definitions get on a fresh checkout."""
    bare = copy.deepcopy(manifest)
    for node in bare["nodes"].values():
        node.pop("compiled_code", None)
    return dbt_model_lineage(bare, compiled_dir=None)


def test_fixture_sql_resolves_to_source_columns():
    assert column_lineage(FIXTURE_SQL, FIXTURE_SCHEMA) == {
        # a bare USING column is DuckDB's coalesce of both join sides
        "customer_id": [("sales.customers", "customer_id"), ("sales.orders", "customer_id")],
        "region": [("sales.customers", "region")],
        "masked_id": [("sales.customers", "national_id")],  # unknown function: passes its argument through
        "mean_amount": [("sales.orders", "amount"), ("sales.orders", "order_id")],  # value + CASE condition
        "tag_rows": [],  # count(*) reads no column
        "last_tag": [("sales.orders", "tags")],  # through unnest() and max()
        "region_rank": [("sales.customers", "region"), ("sales.orders", "order_id")],  # window keys
        "version": [],
        "zero": [],
    }


def test_unnest_as_a_table_traces_to_the_list_column():
    sql = "select o.order_id, tag from lake.sales.orders as o cross join unnest(o.tags) as u(tag)"
    assert column_lineage(sql, FIXTURE_SCHEMA) == {"order_id": [("sales.orders", "order_id")],
                                                   "tag": [("sales.orders", "tags")]}


def test_a_column_that_cannot_be_traced_is_an_error_not_an_empty_lineage():
    sql = "select amount from lake.sales.orders as o join lake.sales.refunds as r on o.order_id = r.order_id"
    with pytest.raises(LineageError, match="amount"):
        column_lineage(sql, {})


def test_raw_meta_columns_match_the_ingest():
    from transforms.ingest import META_COLUMNS

    assert RAW_META_COLUMNS == META_COLUMNS


def test_render_model_sql_resolves_refs_sources_and_variables(manifest):
    node = manifest["nodes"]["model.gangseo_lakehouse.daycare_meal_nutrition"]
    sql = render_model_sql(node["raw_code"], node, manifest)
    assert "{" not in sql and "%}" not in sql
    assert f"lake.{MEALS}" in sql and f"lake.{CENTERS}" in sql and f"lake.{NUTRITION_REF}" in sql
    assert "children < 5 as suppressed" in sql  # config.get('meta') is the node's: the contract's small_cell_min
    meals = manifest["nodes"]["model.gangseo_lakehouse.stg_childcare__meals"]
    assert "from lake.raw_identified.childcare_meals" in render_model_sql(meals["raw_code"], meals, manifest)
    assert render_model_sql("{% for i in [1, 2] %}select {{ i }}{% endfor %} {{ var('x') }}", node, manifest) == "select 1select 2 0"
    with pytest.raises(LineageError, match="without dbt"):
        render_model_sql("{% if %}", node, manifest)
    with pytest.raises(LineageError, match="dependencies"):
        render_model_sql("select * from {{ ref('not_a_parent') }}", node, manifest)


def test_meal_nutrition_lineage(rendered):
    mart = rendered["curated_marts.daycare_meal_nutrition"]
    assert mart["children_served"] == [(MEALS, "child_pseudonym")]
    assert mart["kcal_reference"] == [(NUTRITION_REF, "kcal_reference")]
    assert mart["center_name"] == [(CENTERS, "center_name")]
    assert mart["kcal_pct_of_reference"] == [(NUTRITION_REF, "kcal_reference"), (MEALS, "child_pseudonym"), (MEALS, "kcal")]
    assert mart["suppressed"] == [(MEALS, "child_pseudonym")]


def test_allergen_exposure_lineage(rendered):
    mart = rendered["curated_marts.daycare_allergen_exposure"]
    assert mart["allergen_name_ko"] == [("reference.allergen_codes", "allergen_name_ko")]
    assert mart["allergen_code"] == [(MEALS, "allergen_codes")]  # through unnest() in a CTE
    assert mart["exposed_children"] == [(MEALS, "child_pseudonym")]


def test_the_pseudonym_derives_from_the_child_id_only(rendered):
    staging = rendered[MEALS]
    assert staging["child_pseudonym"] == [("raw_identified.childcare_meals", "child_id")]
    assert all(("raw_identified.childcare_meals", "child_id") not in deps
               for column, deps in staging.items() if column != "child_pseudonym")


def test_every_contract_column_of_every_model_has_lineage(rendered):
    for contract in load_contracts().values():
        if contract.layer in ("staging", "mart"):
            lineage = rendered[contract.table.physical_name]
            assert list(lineage) == [c.name for c in contract.table.columns], contract.id


def test_compiled_sql_gives_the_same_lineage_as_the_rendered_model(manifest, rendered):
    compiled = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"
                and model_sql(manifest, uid) != render_model_sql(n["raw_code"], n, manifest)}
    if not compiled:
        pytest.skip("no current compiled SQL (run dbt build or compile)")
    for uid, node in compiled.items():
        assert model_lineage(manifest, uid) == rendered[f"{node['schema']}.{node['name']}"], uid


def test_definitions_carry_column_lineage():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    lineage = graph.get(dg.AssetKey(["curated_marts", "daycare_meal_nutrition"])).metadata["dagster/column_lineage"]
    dep = lambda key, column: dg.TableColumnDep(asset_key=dg.AssetKey(key.split(".")), column_name=column)
    assert lineage.deps_by_column["children_served"] == [dep(MEALS, "child_pseudonym")]
    assert lineage.deps_by_column["kcal_reference"] == [dep(NUTRITION_REF, "kcal_reference")]
    assert lineage.deps_by_column["kcal_pct_of_reference"] == [
        dep(NUTRITION_REF, "kcal_reference"), dep(MEALS, "child_pseudonym"), dep(MEALS, "kcal")]
    # every upstream is a real asset, and a declared parent of the model
    for key in graph.get_all_asset_keys():
        deps = graph.get(key).metadata.get("dagster/column_lineage")
        for dep in [d for ds in (deps.deps_by_column.values() if deps else []) for d in ds]:
            assert dep.asset_key in graph.get(key).parent_keys, (key, dep)


def test_render_reports_writes_a_page_per_mart(tmp_path, manifest, rendered):
    paths = render_reports(tmp_path, manifest)
    marts = sorted(c.id for c in load_contracts().values() if c.layer == "mart")
    assert sorted(p.stem for p in paths) == sorted([*marts, "index"])
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for contract_id in marts:
        contract = load_contracts()[contract_id]
        page = (tmp_path / f"{contract_id}.html").read_text(encoding="utf-8")
        assert f'href="{contract_id}.html"' in index
        assert "<script" not in page and "http" not in page  # self-contained
        for column in contract.table.columns:
            assert f"<code>{column.name}</code>" in page and column.name_ko in page
            for table, upstream in rendered[contract.table.physical_name][column.name]:
                assert f"<code>{table}.{upstream}</code>" in page
        assert "not in the model SQL" not in page


def test_tier_propagation_sees_every_table_the_sql_reads(rendered):
    """The tier gate takes its inputs from the contracts' column lineage; the SQL's parsed column lineage
    must not read any table the contracts leave out, or a higher-tier input could go unnoticed."""
    from catalog.search import upstream

    contracts = load_contracts()
    by_table = {t.physical_name: c.id for c in contracts.values() for t in c.tables}
    for contract in contracts.values():
        if contract.layer not in ("staging", "mart"):
            continue
        read = {table for deps in rendered[contract.table.physical_name].values() for table, _ in deps}
        declared = {contracts[u].table.physical_name for u in upstream(contract)}
        assert read <= declared, (contract.id, read - declared, {by_table.get(t) for t in read - declared})
