-- Hourly observations per hill area with the KMA QC flags applied: an element flagged 1 (suspect) or
-- 9 (missing) becomes NULL; an empty 강수량 with a normal flag means no precipitation (KMA convention).
-- Incremental by day of observation.
{%- set observations = source('raw_identified', 'wildfire_weather') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('cast(observed_at as date)', source('raw_identified', 'wildfire_weather'), "
                   "'cast(observed_at as date)') }}") }}

with ranked as (
    {{ latest_per_key(observations, ['station_id', 'observed_at'], [], where=changed_partitions(observations, 'cast(observed_at as date)')) }}
)

select
    station_id,
    station_name as hill_area,
    observed_at,
    case when coalesce(temperature_qc, '0') = '0' then temperature_c end as temperature_c,
    case when coalesce(precipitation_qc, '0') = '0' then coalesce(precipitation_mm, 0) end as precipitation_mm,
    case when coalesce(wind_speed_qc, '0') = '0' then wind_speed_ms end as wind_speed_ms,
    case when coalesce(humidity_qc, '0') = '0' then humidity_pct end as humidity_pct
from ranked
