-- The current case per person. Direct identifiers stop here: the person key becomes a keyed
-- per-purpose pseudonym, birth year a 5-year band (top-coded 85+), the address its 행정동.
{%- set purpose = config.get('meta')['purpose_code'] %}

with latest as (
    {{ latest_per_key(source('raw_identified', 'welfare_cases'), ['person_id'], ['reference_date desc']) }}
),

current_cases as (
    select *, year(reference_date) - birth_year as age from latest
)

select
    pseudonymize('{{ purpose }}', person_id) as person_pseudonym,
    case
        when age >= 85 then '85+'
        else cast(age // 5 * 5 as varchar) || '-' || cast(age // 5 * 5 + 4 as varchar)
    end as age_band,
    sex,
    adong_code,
    household_type,
    entitlement,
    disability_grade <> '없음' as has_disability,
    elderly_care_service,
    cast(coalesce(len(string_split(nullif(crisis_codes, ''), '|')), 0) as integer) as crisis_signal_count,
    call_cycle,
    case_status,
    consecutive_no_answer,
    reference_date
from current_cases
