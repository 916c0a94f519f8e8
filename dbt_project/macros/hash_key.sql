{#- A stable surrogate key: md5 over the columns' text, NULL-safe and order-aware.
    Every hashed id in the project (dim_installation_id, dim_customer_id, ...) goes
    through here so that models computing the same key always agree. -#}
{% macro hash_key(columns) -%}
    md5(
    {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '_null_')
        {%- if not loop.last %} || '|' ||{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- The installation key of docs/data-contract.md §3: hash of (host_id, uuid). Used by
    dim_installation, stg_version_db__usage_data and every ping fact. -#}
{% macro installation_id(host_id, uuid) -%}
    {{ hash_key([host_id, uuid]) }}
{%- endmacro %}
