{#- The hostname rule of data-contract §6: `Non-Production` when any label of the
    hostname (split on `.` and then on `-`) is one of the words below,
    case-insensitive; else `Production`. Portable SQL (no regex dialects): the
    hostname is lower-cased, `-` turned into `.`, wrapped in dots, and each word is
    looked up as `.word.`. A NULL hostname is `Production` (nothing says otherwise). -#}
{% macro non_production_host_labels() -%}
    {{ return(['staging', 'stage', 'stg', 'test', 'testing', 'qa', 'dev', 'development', 'sandbox', 'demo', 'preprod', 'uat']) }}
{%- endmacro %}

{% macro installation_type_from_hostname(hostname) -%}
    case
        when {% for label in non_production_host_labels() -%}
            {{ "'.' || replace(lower(" ~ hostname ~ "), '-', '.') || '.'" }} like '%.{{ label }}.%'
            {%- if not loop.last %}
            or {% endif %}
        {%- endfor %}
        then 'Non-Production'
        else 'Production'
    end
{%- endmacro %}
