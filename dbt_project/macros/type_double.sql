{#- A 64-bit float for ratios. dbt's type_float() is FLOAT, which DuckDB reads as
    32-bit (0.7142857313156128); Snowflake's FLOAT is already 64-bit. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_usage')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}

{% macro snowflake__type_double() -%}float{%- endmacro %}
