-- Household-hours under a COMPANION_ROBOT_CARE_STATS pseudonym: a different key from the well-being
-- call purpose, so the two pilots' data cannot be joined on the person.
-- Incremental by day of reading.
{%- set purpose = config.get('meta')['purpose_code'] %}
{%- set readings = source('raw_identified', 'welfare_iot_readings') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('cast(measured_at as date)', source('raw_identified', 'welfare_iot_readings'), "
                   "'cast(measured_at as date)') }}") }}

with latest as (
    {{ latest_per_key(readings, ['device_id', 'measured_at'], [], where=changed_partitions(readings, 'cast(measured_at as date)')) }}
),

households as (
    select household_id, pseudonymize('{{ purpose }}', household_id) as household_pseudonym
    from (select distinct household_id from latest)
)

select
    households.household_pseudonym,
    latest.measured_at,
    latest.motion_events,
    latest.power_wh,
    latest.door_openings,
    latest.device_online
from latest
inner join households using (household_id)
