{#-
    Incremental models recompute only the partitions (days, weeks, people…) that changed upstream.

    A model is built incrementally from the rows its inputs gained or lost since the snapshot that last
    built it (DuckLake's change feed, ducklake_table_changes). That snapshot is the latest whose commit
    message names the model (lake_commit_message). Each incremental model:
      - deletes, in a pre-hook, its rows in every changed partition (delete_changed_partitions), and
      - selects only those partitions from its inputs (changed_partitions), then appends them.
    A partition must hold every row of a record's key (its day, its person…), so recomputing it from all
    of its input rows gives what a cold build gives. Without a build snapshot (first build, --full-refresh,
    or the snapshot was expired by purge), or when an input listed in `whole_if_changed` changed (a
    dimension such as the centre register), every partition is recomputed.
-#}

{#- The snapshot range [first after the model's last build, current], or none when everything must be
    recomputed; an empty list when nothing changed since. -#}
{% macro _changes_range() -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set label = 'asset=' ~ this.schema ~ '/' ~ this.identifier ~ ' run=%' -%}
    {%- set found = run_query(
        "select max(snapshot_id) filter (where commit_message like '" ~ label ~ "') from " ~ this.database ~ ".snapshots()"
    ).columns[0].values()[0] -%}
    {%- if found is none -%}{{ return(none) }}{%- endif -%}
    {%- set after = run_query(
        "select count(*), max(snapshot_id) from " ~ this.database ~ ".snapshots() where snapshot_id > " ~ found
    ).rows[0] -%}
    {%- if after[0] == 0 -%}{{ return([]) }}{%- endif -%}
    {#- a snapshot expired since (purge) may have held changes: recompute everything -#}
    {%- if after[0] != after[1] - found -%}{{ return(none) }}{%- endif -%}
    {{ return([found + 1, after[1]]) }}
{%- endmacro %}

{#- The rows `relation` gained or lost in `range` (both kinds: a lost row's partition changed too). -#}
{% macro _changed_rows(relation, range) -%}
    ducklake_table_changes('{{ relation.database }}', '{{ relation.schema }}', '{{ relation.identifier }}', {{ range[0] }}, {{ range[1] }})
{%- endmacro %}

{#- true when a whole recompute is due: no range, `relation` was (re)created within it (its change feed
    would then miss the rows of the table it replaced), or a `whole_if_changed` input was rebuilt or
    changed within it. -#}
{% macro _recompute_all(range, relation, whole_if_changed) -%}
    {%- if range is none -%}{{ return(true) }}{%- endif -%}
    {%- if range | length == 0 -%}{{ return(false) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for input in [relation] + whole_if_changed -%}
        {%- do names.append("'" ~ input.schema ~ "." ~ input.identifier ~ "'") -%}
    {%- endfor -%}
    {%- set created = run_query(
        "select count(*) from " ~ this.database ~ ".snapshots() where snapshot_id between " ~ range[0] ~ " and "
        ~ range[1] ~ " and list_has_any(coalesce(changes['tables_created'], []), [" ~ names | join(", ") ~ "])"
    ).columns[0].values()[0] -%}
    {%- if created > 0 -%}{{ return(true) }}{%- endif -%}
    {%- for dimension in whole_if_changed -%}
        {%- set changed = run_query("select count(*) from " ~ _changed_rows(dimension, range)).columns[0].values()[0] -%}
        {%- if changed > 0 -%}{{ return(true) }}{%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- The changed partitions' values as a subquery over `relation`'s change feed, `none` when every partition
    is to be recomputed, '' when none changed. -#}
{% macro _changed_values(relation, expression, whole_if_changed) -%}
    {%- set range = _changes_range() -%}
    {%- if _recompute_all(range, relation, whole_if_changed) -%}{{ return(none) }}{%- endif -%}
    {%- if range | length == 0 -%}{{ return('') }}{%- endif -%}
    {{ return("select distinct " ~ expression ~ " from " ~ _changed_rows(relation, range)) }}
{%- endmacro %}

{#- A filter on `relation`'s rows: those in a partition that changed (`expression` names the partition
    from the input's columns). `true` on a cold or whole recompute. -#}
{% macro changed_partitions(relation, expression, whole_if_changed=[]) -%}
    {%- set values = _changed_values(relation, expression, whole_if_changed) if is_incremental() else none -%}
    {%- if values is none -%}
        true
    {%- elif values == '' -%}
        false
    {%- else -%}
        ({{ expression }}) in ({{ values }})
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook: delete this model's rows in the changed partitions (`column` is the partition in this
    model, `expression` the same partition from the input's columns; `pseudonymized`: the column holds
    the expression's pseudonym under the model's purpose). -#}
{% macro delete_changed_partitions(column, relation, expression, whole_if_changed=[], pseudonymized=false) -%}
    {%- if pseudonymized -%}
        {%- set expression = "pseudonymize('" ~ config.get('meta')['purpose_code'] ~ "', " ~ expression ~ ")" -%}
    {%- endif -%}
    {%- set values = _changed_values(relation, expression, whole_if_changed) if is_incremental() else '' -%}
    {%- if values is none -%}
        delete from {{ this }}
    {%- elif values == '' -%}
        select 1
    {%- else -%}
        delete from {{ this }} where {{ column }} in ({{ values }})
    {%- endif -%}
{%- endmacro %}
