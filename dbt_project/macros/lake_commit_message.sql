{# Runs inside the model's transaction, so the DuckLake snapshot records asset, run and purpose. #}
{% macro lake_commit_message() -%}
  {%- set meta = config.get('meta') or {} -%}
  {%- set asset = this.schema ~ '/' ~ this.identifier -%}
  {%- set extra = tojson({'asset': asset, 'run_id': var('run_id'), 'purpose_code': meta.get('purpose_code', '')}) -%}
  CALL lake.set_commit_message('lakehouse-dbt', 'asset={{ asset }} run={{ var("run_id") }}', extra_info => '{{ extra }}')
{%- endmacro %}
