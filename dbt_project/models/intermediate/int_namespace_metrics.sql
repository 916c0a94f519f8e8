-- GitLab.com usage per ultimate-parent namespace and month, one column per catalog
-- metric (source `service_ping`, matched on metric_path = key_path): the value at
-- the latest ping_date in the month, per metric (docs/data-contract.md §4), `-1` -> NULL;
-- settings are booleans (counter_value <> 0). ping_created_at is the month's latest
-- ping_date of the namespace over all its metric rows. Monthly partitioned by
-- snapshot_month.
{{ config(**monthly_partition_config('snapshot_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with metric_rows as (
    select
        namespace_id,
        metric_path,
        counter_value,
        ping_date,
        {{ month_of('ping_date') }} as snapshot_month
    from {{ ref('stg_gitlab_dotcom__namespace_ping_metrics') }}
    where {{ in_partition_window('ping_date') }}
),

-- one aggregation per namespace and month (macros/metrics/namespace_metric_pivot.sql)
namespace_months as (
    {{ namespace_metric_pivot('metric_rows', metrics) }}
)

select
    namespace_months.snapshot_month,
    namespace_months.namespace_id as dim_namespace_id,
    cast(namespace_months.ping_created_at as {{ dbt.type_timestamp() }}) as ping_created_at
    {%- for metric in metrics %},
    {%- if metric.counts == 'setting' %}
    namespace_months.{{ metric.column }} <> 0 as {{ metric.column }}
    {%- else %}
    {{ metric_clean_value('cast(namespace_months.' ~ metric.column ~ ' as ' ~ dbt.type_bigint() ~ ')', metric) }} as {{ metric.column }}
    {%- endif %}
    {%- endfor %}
from namespace_months
