-- The three published welfare tables for Gangseo's 행정동, detail rows only, in one long shape.
-- Printed totals (합계/소계/계 and area totals) are dropped: the mart computes its own margins so that it
-- controls which of them are published.
{%- set tables = [
    ('elderly_alone', 'welfare_elderly_alone_stats', ['qualification', 'age_group']),
    ('recipients', 'welfare_recipients_stats', ['qualification', 'age_group']),
    ('disability', 'welfare_disability_stats', ['disability_type', 'sex']),
] %}

with detail as (
    {%- for statistic, table, categories in tables %}
    select '{{ statistic }}' as statistic, period, measure, adong_code, {{ categories | join(" || ' · ' || ") }} as category, value
    -- a file loaded twice holds the row twice: one per key, the larger value
    from ({{ latest_per_key(source('raw_identified', table), ['period', 'measure', 'adong_code'] + categories,
                            ['value desc nulls last'], where="area_level = 'dong' and not is_subtotal") }})
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
    cast(coalesce(value, 0) as bigint) as value
from detail
where adong_code like '11500%'
