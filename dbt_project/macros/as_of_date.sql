{#- The reporting date of docs/data-contract.md §1: CUSTOMER_USAGE_AS_OF when set, else the
    latest Service Ping recorded_at. Returns a SQL expression of type date. -#}
{% macro as_of_date() -%}
    {%- set as_of = env_var('CUSTOMER_USAGE_AS_OF', '') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        (select cast(max(recorded_at) as date) from {{ source('version_db', 'usage_data') }})
    {%- endif -%}
{%- endmacro %}
