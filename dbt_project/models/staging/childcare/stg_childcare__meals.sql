-- Child identifiers become keyed per-purpose pseudonyms here and go no further.
-- pseudonymize() is registered by transforms/dbt_plugin.py; it runs once per distinct child.
-- Incremental by meal day: a run recomputes only the days its new (or removed) scans fall on.
{%- set purpose = config.get('meta')['purpose_code'] %}
{%- set scans = source('raw_identified', 'childcare_meals') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('meal_date', source('raw_identified', 'childcare_meals'), 'meal_date') }}") }}

with latest as (
    {{ latest_per_key(scans, ['center_code', 'child_id', 'meal_date', 'meal_slot'], [],
                      where=changed_partitions(scans, 'meal_date')) }}
),

children as (
    select child_id, pseudonymize('{{ purpose }}', child_id) as child_pseudonym
    from (select distinct child_id from latest)
)

select
    children.child_pseudonym,
    latest.center_code,
    latest.class_age,
    latest.meal_date,
    cast(date_trunc('week', latest.meal_date) as date) as week_start,
    latest.meal_slot,
    latest.menu,
    coalesce(
        list_transform(string_split(latest.allergen_codes, '.'), code -> cast(code as integer)),
        cast([] as integer[])
    ) as allergen_codes,
    latest.served_g,
    latest.leftover_g,
    case when latest.served_g > 0 then latest.leftover_g / latest.served_g else 0 end as leftover_rate,
    latest.kcal,
    latest.protein_g
from latest
inner join children using (child_id)
