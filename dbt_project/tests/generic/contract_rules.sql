{#- The contract's column rules, which `lakehouse catalog dbt-sync` writes as this test's `rules`, in one scan of
    the model. A test per rule cost dbt ~30 ms and Dagster two check events each, for a query of ~2 ms. Each rule
    broken is one failing row: its name (as the raw check names it, `in_set:<column>` …) and the rows breaking it. -#}
{% test contract_rules(model, rules) %}
{%- set checks = [] -%}
{%- for rule in rules -%}
  {%- set column = adapter.quote(rule.column) -%}
  {%- if rule.get("not_null") -%}
    {%- do checks.append(("not_null:" ~ rule.column, column ~ " is null")) -%}
  {%- endif -%}
  {%- if rule.get("values") -%}
    {%- set quoted = [] -%}
    {%- for value in rule["values"] -%}{%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {%- do checks.append(("in_set:" ~ rule.column, "cast(" ~ column ~ " as varchar) not in (" ~ quoted | join(", ") ~ ")")) -%}
  {%- endif -%}
  {%- if rule.get("min_value") is not none -%}
    {%- do checks.append(("minimum:" ~ rule.column, column ~ " < " ~ rule.min_value)) -%}
  {%- endif -%}
  {%- if rule.get("max_value") is not none -%}
    {%- do checks.append(("maximum:" ~ rule.column, column ~ " > " ~ rule.max_value)) -%}
  {%- endif -%}
{%- endfor %}
with counts as (
  select
  {%- for name, condition in checks %}
    count(*) filter (where {{ condition }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
  {%- endfor %}
  from {{ model }}
)
{%- for name, condition in checks %}
select '{{ name }}' as rule, {{ adapter.quote(name) }} as rows_breaking from counts where {{ adapter.quote(name) }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
