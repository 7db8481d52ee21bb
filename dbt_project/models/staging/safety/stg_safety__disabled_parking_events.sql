-- Disabled-parking sensor events with the plate replaced by a DISABLED_PARKING_ENFORCEMENT pseudonym
-- (keyed HMAC, this purpose only), so repeat violators can be counted without a plate leaving the
-- restricted zone. Event, sensor ids, lot names and coordinates are not needed downstream.
-- Incremental by parking lot: an event's versions may straddle days, never lots.
{%- set purpose = config.get('meta')['purpose_code'] %}
{%- set events = source('raw_identified', 'disabled_parking_events') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('lot_id', source('raw_identified', 'disabled_parking_events'), 'lot_id') }}") }}

with ranked as (
    {{ latest_per_key(events, ['event_id'], ['event_at desc'], where=changed_partitions(events, 'lot_id')) }}
),

vehicles as (
    select plate_number, pseudonymize('{{ purpose }}', plate_number) as vehicle_pseudonym
    from (select distinct plate_number from ranked where plate_number is not null)
)

select
    ranked.lot_id,
    ranked.space_id,
    ranked.event_at,
    ranked.event_type,
    vehicles.vehicle_pseudonym,
    ranked.permit_check,
    ranked.parked_minutes,
    ranked.action
from ranked
left join vehicles using (plate_number)
