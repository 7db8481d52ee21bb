-- Smart-pole counts per pole and 15 minutes, only intervals the pole reported as 정상 (counts are null
-- otherwise), the latest record of each interval; pole positions projected to EPSG:5186 (always_xy).
-- Incremental by day of interval.
{%- set counts = source('raw_identified', 'smart_pole_counts') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('cast(interval_start as date)', source('raw_identified', 'smart_pole_counts'), "
                   "'cast(interval_start as date)') }}") }}

with ranked as (
    {{ latest_per_key(counts, ['pole_id', 'interval_start'], [],
                      where="device_status = '정상' and " ~ changed_partitions(counts, 'cast(interval_start as date)')) }}
),

current_counts as (
    select
        *,
        st_transform(st_point(longitude, latitude), 'EPSG:4326', 'EPSG:5186', always_xy := true) as position_5186
    from ranked
)

select
    pole_id,
    st_x(position_5186) as x_5186,
    st_y(position_5186) as y_5186,
    interval_start,
    vehicles,
    speeding_vehicles,
    children_detected
from current_counts
