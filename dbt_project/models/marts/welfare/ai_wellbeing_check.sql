-- Per monitored person: call and IoT features for the AI well-being call pilot, k-anonymous and
-- l-diverse by construction. People whose class over the quasi-identifiers is smaller than k_min, or holds
-- fewer than l_min entitlements, move one step up the generalisation ladder; at each step only the rows
-- still deferred are grouped, and the published values of different steps never coincide (5-year vs
-- 10-year bands, 행정동 vs 1150000000 = 강서구, 전체), so every published class is one step's class.
-- Rows not covered by the last step are withheld; the gates measure k and l on what is left.
{%- set meta = config.get('meta') %}
{%- set ladder = [
    {'age_band': 'age_band', 'adong_code': 'adong_code', 'household_type': 'household_type'},
    {'age_band': 'age_band_10', 'adong_code': 'adong_code', 'household_type': 'household_type'},
    {'age_band': 'age_band_10', 'adong_code': "'1150000000'", 'household_type': 'household_type'},
    {'age_band': "'전체'", 'adong_code': "'1150000000'", 'household_type': "'전체'"},
] %}
{%- set features = [
    'person_pseudonym', 'age_band', 'age_band_10', 'sex', 'adong_code', 'household_type', 'entitlement',
    'case_status', 'call_cycle', 'calls_answered_7d', 'calls_missed_7d', 'calls_answered_28d',
    'calls_missed_28d', 'longest_no_answer_streak', 'escalations_28d', 'iot_inactive_hours_28d',
    'reference_date',
] %}

with cases as (
    select * from {{ ref('stg_welfare__cases') }}
),

recent_calls as (
    select
        calls.person_pseudonym,
        calls.called_at,
        calls.result = '응답' as answered,
        calls.follow_up,
        calls.called_at >= cases.reference_date - interval 7 days as in_last_7d
    from {{ ref('stg_welfare__call_logs') }} as calls
    inner join cases using (person_pseudonym)
    where calls.called_at >= cases.reference_date - interval 28 days
      and calls.called_at < cases.reference_date
),

call_counts as (
    select
        person_pseudonym,
        count(*) filter (where answered and in_last_7d) as calls_answered_7d,
        count(*) filter (where not answered and in_last_7d) as calls_missed_7d,
        count(*) filter (where answered) as calls_answered_28d,
        count(*) filter (where not answered) as calls_missed_28d,
        count(*) filter (where follow_up = '동주민센터통보') as escalations_28d
    from recent_calls
    group by person_pseudonym
),

missed_runs as (
    -- consecutive unanswered attempts share the difference of two ranks (gaps and islands)
    select
        person_pseudonym,
        row_number() over (partition by person_pseudonym order by called_at)
        - row_number() over (partition by person_pseudonym, answered order by called_at) as island
    from recent_calls
    qualify not answered
),

streaks as (
    select person_pseudonym, max(run_length) as longest_no_answer_streak
    from (select person_pseudonym, island, count(*) as run_length from missed_runs group by person_pseudonym, island)
    group by person_pseudonym
),

inactivity as (
    select activity.person_pseudonym, sum(activity.inactive_hours) as iot_inactive_hours_28d
    from {{ ref('stg_welfare__iot_activity') }} as activity
    inner join cases using (person_pseudonym)
    where activity.activity_date >= cases.reference_date - interval 28 days
      and activity.activity_date < cases.reference_date
    group by activity.person_pseudonym
),

features as (
    select
        cases.person_pseudonym,
        cases.age_band,
        case
            when cases.age_band in ('80-84', '85+') then '80+'
            else left(cases.age_band, 1) || '0-' || left(cases.age_band, 1) || '9'
        end as age_band_10,
        cases.sex,
        cases.adong_code,
        cases.household_type,
        cases.entitlement,
        cases.case_status,
        cases.call_cycle,
        cast(coalesce(call_counts.calls_answered_7d, 0) as integer) as calls_answered_7d,
        cast(coalesce(call_counts.calls_missed_7d, 0) as integer) as calls_missed_7d,
        cast(coalesce(call_counts.calls_answered_28d, 0) as integer) as calls_answered_28d,
        cast(coalesce(call_counts.calls_missed_28d, 0) as integer) as calls_missed_28d,
        cast(coalesce(streaks.longest_no_answer_streak, 0) as integer) as longest_no_answer_streak,
        cast(coalesce(call_counts.escalations_28d, 0) as integer) as escalations_28d,
        cast(inactivity.iot_inactive_hours_28d as integer) as iot_inactive_hours_28d,
        cases.reference_date
    from cases
    left join call_counts using (person_pseudonym)
    left join streaks using (person_pseudonym)
    left join inactivity using (person_pseudonym)
),
{% for step in ladder %}
{%- set i = loop.index0 %}

candidates_{{ i }} as (
    select
        {{ step.age_band }} as g_age_band,
        sex as g_sex,
        {{ step.adong_code }} as g_adong_code,
        {{ step.household_type }} as g_household_type,
        {{ features | join(', ') }}
    from {{ 'features' if loop.first else 'deferred_' ~ (i - 1) }}
),

classes_{{ i }} as (
    select g_age_band, g_sex, g_adong_code, g_household_type, true as publishable
    from candidates_{{ i }}
    group by g_age_band, g_sex, g_adong_code, g_household_type
    having count(*) >= {{ meta['k_min'] }} and count(distinct entitlement) >= {{ meta['l_min'] }}
),

published_{{ i }} as (
    select {{ i }} as generalisation_level, candidates_{{ i }}.*
    from candidates_{{ i }}
    inner join classes_{{ i }} using (g_age_band, g_sex, g_adong_code, g_household_type)
),

deferred_{{ i }} as (
    select {{ features | join(', ') }}
    from candidates_{{ i }}
    left join classes_{{ i }} using (g_age_band, g_sex, g_adong_code, g_household_type)
    where classes_{{ i }}.publishable is null
),
{%- endfor %}

published as (
    {%- for step in ladder %}
    select * from published_{{ loop.index0 }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    person_pseudonym,
    g_age_band as age_band,
    g_sex as sex,
    g_adong_code as adong_code,
    g_household_type as household_type,
    entitlement,
    generalisation_level,
    case_status,
    call_cycle,
    calls_answered_7d,
    calls_missed_7d,
    calls_answered_28d,
    calls_missed_28d,
    longest_no_answer_streak,
    escalations_28d,
    iot_inactive_hours_28d,
    reference_date
from published
