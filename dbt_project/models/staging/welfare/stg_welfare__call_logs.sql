-- Call attempts under the same AI_WELLBEING_CHECK_STATS pseudonym as the cases; the call id and the
-- detected keywords (free text about health) stay in the raw zone.
{%- set purpose = config.get('meta')['purpose_code'] %}

with latest as (
    select
        *,
        row_number() over (partition by call_id order by _loaded_at desc, _row_number desc) as recency
    from {{ source('raw_identified', 'welfare_call_logs') }}
),

people as (
    select person_id, pseudonymize('{{ purpose }}', person_id) as person_pseudonym
    from (select distinct person_id from latest where recency = 1)
)

select
    people.person_pseudonym,
    latest.called_at,
    latest.attempt,
    latest.caller,
    latest.result,
    latest.duration_s,
    latest.risk_score,
    latest.follow_up
from latest
inner join people using (person_id)
where latest.recency = 1
