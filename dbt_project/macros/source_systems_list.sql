{#- A comma-separated, alphabetically ordered list of the systems whose condition
    holds, e.g. 'customers_db,sfdc,zuora'. Built from plain CASE/|| so it behaves
    the same on DuckDB and Snowflake (CONCAT_WS treats NULLs differently). -#}
{% macro source_systems_list(conditions) -%}
    substr(
    {%- for system in conditions | sort %}
        case when {{ conditions[system] }} then ',{{ system }}' else '' end
        {%- if not loop.last %} ||{% endif %}
    {%- endfor %}
    , 2)
{%- endmacro %}
