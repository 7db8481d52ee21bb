-- Per centre, week and allergen on the menu. Counts below small_cell_min (from the contract) are
-- withheld; no per-centre totals are published, so a withheld cell cannot be recovered from a margin.
-- Incremental by week: a run recomputes the weeks whose meals changed (every week when the codes changed).
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}
{%- set meals = ref('stg_childcare__meals') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('week_start', ref('stg_childcare__meals'), 'week_start', [ref('allergen_codes')]) }}") }}

with exposures as (
    select center_code, week_start, child_pseudonym, unnest(allergen_codes) as allergen_code
    from {{ meals }}
    where {{ changed_partitions(meals, 'week_start', [ref('allergen_codes')]) }}
),

cells as (
    select
        center_code,
        week_start,
        allergen_code,
        count(distinct child_pseudonym) as children,
        count(*) as child_meals
    from exposures
    group by center_code, week_start, allergen_code
)

select
    cells.center_code,
    cells.week_start,
    cells.allergen_code,
    codes.allergen_name_ko,
    case when children >= {{ small_cell_min }} then children end as exposed_children,
    case when children >= {{ small_cell_min }} then child_meals end as exposed_child_meals,
    children < {{ small_cell_min }} as suppressed
from cells
inner join {{ ref('allergen_codes') }} as codes using (allergen_code)
