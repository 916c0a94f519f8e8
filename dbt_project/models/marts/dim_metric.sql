-- The metric catalog (models/metric_catalog.yml) as a table, so analysts can
-- join fct_ping_metric and read the mart's columns with their meaning.
{%- set metrics = metric_catalog() %}

{% if metrics %}
{%- for metric in metrics %}
select
    cast('{{ metric.column }}' as {{ dbt.type_string() }}) as metric_name,
    cast({{ "'" ~ metric.key_path ~ "'" if metric.key_path else 'null' }} as {{ dbt.type_string() }}) as key_path,
    cast({{ metric.wave }} as {{ dbt.type_int() }}) as wave,
    cast('{{ metric.time_frame }}' as {{ dbt.type_string() }}) as time_frame,
    cast('{{ metric.counts }}' as {{ dbt.type_string() }}) as counts,
    cast('{{ metric.stage }}' as {{ dbt.type_string() }}) as stage,
    cast('{{ metric.source }}' as {{ dbt.type_string() }}) as metric_source,
    cast('{{ metric.description | replace("'", "''") | trim }}' as {{ dbt.type_string() }}) as description
{{ 'union all' if not loop.last }}
{%- endfor %}
{% else %}
-- parse time: the graph (and so the catalog) is not loaded yet
select
    cast(null as {{ dbt.type_string() }}) as metric_name,
    cast(null as {{ dbt.type_string() }}) as key_path,
    cast(null as {{ dbt.type_int() }}) as wave,
    cast(null as {{ dbt.type_string() }}) as time_frame,
    cast(null as {{ dbt.type_string() }}) as counts,
    cast(null as {{ dbt.type_string() }}) as stage,
    cast(null as {{ dbt.type_string() }}) as metric_source,
    cast(null as {{ dbt.type_string() }}) as description
{% endif %}
