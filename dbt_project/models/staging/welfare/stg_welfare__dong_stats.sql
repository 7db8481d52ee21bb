-- The three published welfare tables for Gangseo's 행정동, detail rows only, in one long shape.
-- Printed totals (합계/소계/계 and area totals) are dropped: the mart computes its own margins so that it
-- controls which of them are published.
{%- set tables = [
    ('elderly_alone', 'welfare_elderly_alone_stats', "qualification || ' · ' || age_group"),
    ('recipients', 'welfare_recipients_stats', "qualification || ' · ' || age_group"),
    ('disability', 'welfare_disability_stats', "disability_type || ' · ' || sex"),
] %}

with detail as (
    {%- for statistic, table, category in tables %}
    select '{{ statistic }}' as statistic, period, measure, adong_code, {{ category }} as category, value
    from {{ source('raw_identified', table) }}
    where area_level = 'dong' and not is_subtotal
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
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
