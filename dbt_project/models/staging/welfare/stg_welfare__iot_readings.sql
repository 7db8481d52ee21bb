-- Household-hours under a COMPANION_ROBOT_CARE_STATS pseudonym: a different key from the well-being
-- call purpose, so the two pilots' data cannot be joined on the person.
{%- set purpose = config.get('meta')['purpose_code'] %}

with latest as (
    {{ latest_per_key(source('raw_identified', 'welfare_iot_readings'), ['device_id', 'measured_at'], []) }}
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
