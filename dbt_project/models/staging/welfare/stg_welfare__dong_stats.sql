-- The three published welfare tables for Gangseo's 행정동, detail rows only, in one long shape.
-- Printed totals (합계/소계/계 and area totals) are dropped: the mart computes its own margins so that it
-- controls which of them are published.

with elderly_alone as (
    select
        'elderly_alone' as statistic, period, measure, adong_code,
        qualification || ' · ' || age_group as category, value
    from {{ source('raw_identified_welfare', 'welfare_elderly_alone_stats') }}
    where area_level = 'dong' and not is_subtotal
),

recipients as (
    select
        'recipients' as statistic, period, measure, adong_code,
        qualification || ' · ' || age_group as category, value
    from {{ source('raw_identified_welfare', 'welfare_recipients_stats') }}
    where area_level = 'dong' and not is_subtotal
),

disability as (
    select
        'disability' as statistic, period, measure, adong_code,
        disability_type || ' · ' || sex as category, value
    from {{ source('raw_identified_welfare', 'welfare_disability_stats') }}
    where area_level = 'dong' and not is_subtotal
),

detail as (
    select * from elderly_alone
    union all
    select * from recipients
    union all
    select * from disability
)

select
    statistic,
    period,
    measure,
    adong_code,
    category,
    cast(max(coalesce(value, 0)) as bigint) as value  -- a file loaded twice holds the row twice
from detail
where adong_code like '11500%'
group by statistic, period, measure, adong_code, category
