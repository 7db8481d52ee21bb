-- Per centre, week and meal slot. A cell with fewer than small_cell_min children (from the contract)
-- keeps its key but withholds every measure; no totals are published beside it.
-- Incremental by week: a run recomputes the weeks whose meals changed (every week when the centre
-- register or the reference values changed).
{%- set small_cell_min = config.get('meta')['small_cell_min'] %}
{%- set meals = ref('stg_childcare__meals') %}
{%- set dimensions = [ref('stg_childcare__centers'), ref('meal_nutrition_reference')] %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('week_start', ref('stg_childcare__meals'), 'week_start', "
                   "[ref('stg_childcare__centers'), ref('meal_nutrition_reference')]) }}") }}

with cells as (
    select
        center_code,
        week_start,
        meal_slot,
        count(distinct child_pseudonym) as children,
        count(*) as child_meals,
        -- rounded to 9 decimals: a float mean's last bits follow the order DuckDB's threads add in, and
        -- the 1-decimal percentages below would flip on a half (2.3749999… vs 2.375) from build to build
        round(avg(leftover_rate), 9) as mean_leftover_rate,
        round(avg(kcal), 9) as kcal_per_child_meal,
        round(avg(protein_g), 9) as protein_g_per_child_meal
    from {{ meals }}
    where {{ changed_partitions(meals, 'week_start', dimensions) }}
    group by center_code, week_start, meal_slot
),

flagged as (
    select *, children < {{ small_cell_min }} as suppressed from cells
)

select
    flagged.center_code,
    centers.center_name,
    centers.center_type,
    flagged.week_start,
    flagged.meal_slot,
    case when not suppressed then children end as children_served,
    case when not suppressed then child_meals end as child_meals_served,
    case when not suppressed then mean_leftover_rate end as mean_leftover_rate,
    case when not suppressed then kcal_per_child_meal end as kcal_per_child_meal,
    case when not suppressed then protein_g_per_child_meal end as protein_g_per_child_meal,
    reference.kcal_reference,
    reference.protein_g_reference,
    case when not suppressed then round(100 * kcal_per_child_meal / reference.kcal_reference, 1) end as kcal_pct_of_reference,
    case when not suppressed then round(100 * protein_g_per_child_meal / reference.protein_g_reference, 1) end as protein_pct_of_reference,
    suppressed
from flagged
left join {{ dimensions[0] }} as centers using (center_code)
left join {{ dimensions[1] }} as reference using (meal_slot)
