{# Runs inside the model's transaction, so the DuckLake snapshot records asset, run and purpose. The run id
   comes from a function the project's plugin registers (LAKEHOUSE_RUN_ID) (transforms/dbt_plugin.py). #}
{% macro lake_commit_message() -%}
  {%- set meta = config.get('meta') or {} -%}
  {%- set asset = this.schema ~ '/' ~ this.identifier -%}
  CALL lake.set_commit_message('lakehouse-dbt', 'asset={{ asset }} run=' || lakehouse_run_id(),
    extra_info => json_object('asset', '{{ asset }}', 'run_id', lakehouse_run_id(),
                              'purpose_code', '{{ meta.get('purpose_code', '') }}')::VARCHAR)
{%- endmacro %}
