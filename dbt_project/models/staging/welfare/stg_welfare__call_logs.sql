-- Call attempts under the same AI_WELLBEING_CHECK_STATS pseudonym as the cases; the call id and the
-- detected keywords (free text about health) stay in the raw zone.
-- Incremental by person: a call's versions may straddle days, never people.
{%- set purpose = config.get('meta')['purpose_code'] %}
{%- set calls = source('raw_identified', 'welfare_call_logs') %}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_partitions('person_pseudonym', source('raw_identified', 'welfare_call_logs'), "
                   "'person_id', pseudonymized=true) }}") }}

with latest as (
    {{ latest_per_key(calls, ['call_id'], ['called_at desc'], where=changed_partitions(calls, 'person_id')) }}
),

people as (
    select person_id, pseudonymize('{{ purpose }}', person_id) as person_pseudonym
    from (select distinct person_id from latest)
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
