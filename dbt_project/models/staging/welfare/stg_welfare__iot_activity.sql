-- Daily IoT activity per monitored person under the well-being call pseudonym. The care platform's
-- household key is the person key (대상자ID), so the same keyed HMAC as stg_welfare__cases applies and
-- the well-being features can use inactivity without touching the companion-robot pseudonym.
-- Incremental by activity day (Seoul time): a day is recomputed from all of its readings.
{%- set purpose = config.get('meta')['purpose_code'] %}
{%- set readings = source('raw_identified', 'welfare_iot_readings') %}
{%- set activity_day = "cast(timezone('Asia/Seoul', measured_at) as date)" %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('activity_date', source('raw_identified', 'welfare_iot_readings'), "
                   "\"cast(timezone('Asia/Seoul', measured_at) as date)\") }}") }}

with latest as (
    {{ latest_per_key(readings, ['device_id', 'measured_at'], [], where=changed_partitions(readings, activity_day)) }}
),

hours as (
    select
        household_id,
        {{ activity_day }} as activity_date,
        measured_at,
        device_online,
        motion_events
    from latest
)

select
    pseudonymize('{{ purpose }}', household_id) as person_pseudonym,
    activity_date,
    cast(count(distinct measured_at) filter (where device_online) as integer) as online_hours,
    cast(count(distinct measured_at) filter (where device_online and motion_events = 0) as integer) as inactive_hours
from hours
group by household_id, activity_date
