{#- The catalog metrics of one wide row per ping (int_ping_metrics' columns) as long
    rows: one per ping x metric, with `metric_name` and `reported_value` (a double;
    settings 1 / 0, `-1` kept). `relation` is a CTE holding the wide columns; every
    other column it names in `keep` is carried along.

    DuckDB: two lists unnested side by side, one pass over the wide rows (a cross
    join with the catalog and a CASE on metric_name compares ~16 strings per long
    row: 15M long rows at `medium`). Elsewhere (Snowflake): that cross join with the
    catalog's metric names. -#}
{% macro unpivot_ping_metrics(relation, metrics, keep) -%}
    {{ return(adapter.dispatch('unpivot_ping_metrics', 'customer_usage')(relation, metrics, keep)) }}
{%- endmacro %}

{% macro ping_metric_reported_value(expression, metric) -%}
    cast(
    {%- if metric.counts == 'setting' %} case when {{ expression }} then 1 when not {{ expression }} then 0 end
    {%- else %} {{ expression }}{% endif %} as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__unpivot_ping_metrics(relation, metrics, keep) -%}
    select
        {%- for column in keep %}
        {{ column }},
        {%- endfor %}
        unnest([
            {%- for metric in metrics %}
            '{{ metric.column }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ]) as metric_name,
        unnest([
            {%- for metric in metrics %}
            {{ ping_metric_reported_value(metric.column, metric) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ]) as reported_value
    from {{ relation }}
{%- endmacro %}

{% macro default__unpivot_ping_metrics(relation, metrics, keep) -%}
    select
        {%- for column in keep %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        catalog.metric_name,
        case catalog.metric_name
            {%- for metric in metrics %}
            when '{{ metric.column }}' then {{ ping_metric_reported_value(relation ~ '.' ~ metric.column, metric) }}
            {%- endfor %}
        end as reported_value
    from {{ relation }}
    cross join (
        {%- for metric in metrics %}
        select cast('{{ metric.column }}' as {{ dbt.type_string() }}) as metric_name
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ) as catalog
{%- endmacro %}
