{#-
    The one de-duplication rule of the staging models: one row per key, the latest by the record's own
    values, never by load order.

    relation          a source() or ref(), or a parenthesised subquery
    key_columns       the columns that identify one record
    order_columns     SQL order terms on the record's values, most decisive first (its timestamp or version,
                      e.g. 'data_reference_date desc nulls last'); may be empty
    where             an optional filter applied before choosing
    volatile_columns  columns the loader adds that are not part of the record (the day a file was read):
                      left out of the tie-break and of the result, like the ingest's meta columns

    Ties are broken by a hash of the record's content, so the same rows give the same result whatever order
    their files arrived in (and identical rows are one row).
    Only keys that occur more than once are ranked: a window over a whole history ran out of memory (48 M meal
    scans at 3 GB), while finding the repeated keys is a grouping of the key columns alone, which DuckDB
    spills, and the rows of every other key pass straight through. `record` is read once per use rather than
    materialised (that would spool the whole history); `repeated` is small and kept.
-#}
{% macro latest_per_key(relation, key_columns, order_columns=[], where=none, volatile_columns=[]) -%}
{%- set same_key -%}
    {% for column in key_columns %}{{ ' and ' if not loop.first }}record.{{ column }} is not distinct from repeated.{{ column }}{% endfor %}
{%- endset -%}
with record as not materialized (
    select * exclude (_landing_sha256, _row_number, _loaded_at{% for column in volatile_columns %}, {{ column }}{% endfor %})
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
),

repeated as materialized (
    select {{ key_columns | join(', ') }}
    from record
    group by {{ key_columns | join(', ') }}
    having count(*) > 1
),

single as (
    select record.*
    from record
    where not exists (select 1 from repeated where {{ same_key }})
),

ranked as (
    select record.*
    from record
    where exists (select 1 from repeated where {{ same_key }})
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {% for term in order_columns %}{{ term }}, {% endfor %}md5(cast(record as varchar))
    ) = 1
)

select * from single
union all
select * from ranked
{%- endmacro %}
