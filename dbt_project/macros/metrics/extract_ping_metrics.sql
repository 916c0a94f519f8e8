{#- Parse each Service Ping payload once and read every catalog metric from it.

    One JSON call per metric re-parses the whole document each time (~30x slower
    than one parse on DuckDB, see benchmarks/bench_model.py), so extraction is
    two steps:
      parse_ping_payload(payload, metrics)      -> one parsed value per payload
      ping_metric_value(parsed, metric, index)  -> one typed metric from it
    DuckDB: json_extract_string(payload, [paths]) parses once and returns a list
    of text values, one per path (a `payload::JSON` cast followed by `->>` per
    metric parses again per metric; the JSON-typed json_extract list costs ~1.6x
    more because every value is serialized back to JSON). Snowflake: parse_json
    once, then get_path. -#}

{% macro parse_ping_payload(payload_column, metrics) -%}
    {{ return(adapter.dispatch('parse_ping_payload', 'customer_usage')(payload_column, metrics)) }}
{%- endmacro %}

{% macro default__parse_ping_payload(payload_column, metrics) -%}
    json_extract_string({{ payload_column }}, [
        {%- for metric in metrics -%}
            '$.{{ metric.key_path }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    ])
{%- endmacro %}

{% macro snowflake__parse_ping_payload(payload_column, metrics) -%}
    try_parse_json({{ payload_column }})
{%- endmacro %}


{#- `index` is the metric's 1-based position in the list given to parse_ping_payload.
    A value of the wrong JSON type (e.g. a string where a count is expected) is NULL. -#}
{% macro ping_metric_value(parsed, metric, index) -%}
    {{ return(adapter.dispatch('ping_metric_value', 'customer_usage')(parsed, metric, index)) }}
{%- endmacro %}

{% macro default__ping_metric_value(parsed, metric, index) -%}
    try_cast({{ parsed }}[{{ index }}] as {{ metric_type(metric) }})
{%- endmacro %}

{% macro snowflake__ping_metric_value(parsed, metric, index) -%}
    try_cast(to_varchar(get_path({{ parsed }}, '{{ metric.key_path }}')) as {{ metric_type(metric) }})
{%- endmacro %}


{#- The metric's value as the payload wrote it (text), to tell "absent" from "unreadable":
    a value present but NULL after ping_metric_value is out of range (a number too
    large for its column, e.g. 1e22 for a BIGINT) or of the wrong type. -#}
{% macro ping_metric_text(parsed, metric, index) -%}
    {{ return(adapter.dispatch('ping_metric_text', 'customer_usage')(parsed, metric, index)) }}
{%- endmacro %}

{% macro default__ping_metric_text(parsed, metric, index) -%}
    {{ parsed }}[{{ index }}]
{%- endmacro %}

{% macro snowflake__ping_metric_text(parsed, metric, index) -%}
    to_varchar(get_path({{ parsed }}, '{{ metric.key_path }}'))
{%- endmacro %}
