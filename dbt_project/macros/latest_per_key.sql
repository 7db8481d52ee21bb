{#-
    The one de-duplication rule of the staging models: one row per key, the latest by the record's own
    values, never by load order.

    relation       a source() or ref(), or a parenthesised subquery
    key_columns    the columns that identify one record
    order_columns  SQL order terms on the record's values, most decisive first (its timestamp or version,
                   e.g. 'data_reference_date desc nulls last'); may be empty
    where          an optional filter applied before choosing

    Ties are broken by a hash of the record's content without the ingest's meta columns, so the same rows
    give the same result whatever order their files arrived in (and identical rows are one row). The meta
    columns are not returned.
-#}
{% macro latest_per_key(relation, key_columns, order_columns=[], where=none) -%}
select record.*
from (
    select * exclude (_landing_sha256, _row_number, _loaded_at)
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
) as record
qualify row_number() over (
    partition by {{ key_columns | join(', ') }}
    order by {% for term in order_columns %}{{ term }}, {% endfor %}md5(cast(record as varchar))
) = 1
{%- endmacro %}
