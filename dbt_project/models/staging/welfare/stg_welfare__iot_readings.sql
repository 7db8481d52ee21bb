-- Household-hours under a COMPANION_ROBOT_CARE_STATS pseudonym: a different key from the well-being
-- call purpose, so the two pilots' data cannot be joined on the person.
{%- set purpose = config.get('meta')['purpose_code'] %}

with latest as (
    select
        *,
        row_number() over (
            partition by device_id, measured_at order by _loaded_at desc, _row_number desc
        ) as recency
    from {{ source('raw_identified', 'welfare_iot_readings') }}
),

households as (
    select household_id, pseudonymize('{{ purpose }}', household_id) as household_pseudonym
    from (select distinct household_id from latest where recency = 1)
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
where latest.recency = 1
