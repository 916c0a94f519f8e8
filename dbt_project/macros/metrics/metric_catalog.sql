{#- The metric catalog (models/metric_catalog.yml, meta of model dim_metric) as a
    list of dicts, read from dbt's graph so that adding a metric is a YAML edit and
    no SQL is generated ahead of time. `source` filters by the metric's source
    (`service_ping`: read from payloads by key path; `seats`: wave-1 seat logic);
    `export` keeps the metrics whose `exports` list names that export (the sync models).
    The checks repeat customer_usage/catalog/catalog.py so that a bad edit fails
    the dbt run with a clear message even when the Python tests were not run.
    At parse time the graph is not populated yet: an empty list is returned. -#}
{% macro metric_catalog(source=none, export=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.dim_metric') -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("metric catalog: model dim_metric (models/metric_catalog.yml) is missing") }}
    {%- endif -%}
    {%- set metrics = (node.config.meta or {}).get('metric_catalog') or (node.meta or {}).get('metric_catalog') -%}
    {%- if not metrics -%}
        {{ exceptions.raise_compiler_error("metric catalog: models/metric_catalog.yml has no config.meta.metric_catalog list") }}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- set selected = [] -%}
    {%- for metric in metrics -%}
        {%- if metric.column in seen -%}
            {{ exceptions.raise_compiler_error("metric catalog: duplicate metric column '" ~ metric.column ~ "' in models/metric_catalog.yml") }}
        {%- endif -%}
        {%- do seen.append(metric.column) -%}
        {%- if metric.time_frame not in ('28d', 'all', 'none') -%}
            {{ exceptions.raise_compiler_error("metric catalog: metric '" ~ metric.column ~ "' has unknown time_frame '" ~ metric.time_frame ~ "' (28d, all or none)") }}
        {%- endif -%}
        {%- if metric.source == 'service_ping' and not metric.key_path -%}
            {{ exceptions.raise_compiler_error("metric catalog: service_ping metric '" ~ metric.column ~ "' has no key_path") }}
        {%- endif -%}
        {%- if (source is none or metric.source == source) and (export is none or export in (metric.exports or [])) -%}
            {%- do selected.append(metric) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(selected) }}
{%- endmacro %}


{#- The SQL type a metric's value is kept in: settings are booleans, the rest counts. -#}
{% macro metric_type(metric) -%}
    {%- if metric.counts == 'setting' -%}{{ dbt.type_boolean() }}{%- else -%}{{ dbt.type_bigint() }}{%- endif -%}
{%- endmacro %}


{#- A reported value as analysts see it: `-1` (the instance's query timed out) is
    NULL; settings are kept as booleans. `expression` is already typed by metric_type. -#}
{% macro metric_clean_value(expression, metric) -%}
    {%- if metric.counts == 'setting' -%}{{ expression }}{%- else -%}nullif({{ expression }}, -1){%- endif -%}
{%- endmacro %}
