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

-- the latest ping_date per namespace, month and metric as a window over the month's
-- rows, then ONE aggregation per namespace and month: the pivot keeps, per metric, the
-- value of the latest date (equal dates keep the larger value) and ping_created_at
-- is the month's latest ping_date over all metric rows, catalog or not
dated_rows as (
    select
        metric_rows.*,
        max(ping_date) over (partition by namespace_id, snapshot_month, metric_path) as latest_ping_date
    from metric_rows
),

namespace_months as (
    select
        namespace_id,
        snapshot_month,
        max(ping_date) as ping_created_at
        {%- for metric in metrics %},
        max(case when metric_path = '{{ metric.key_path }}' and ping_date = latest_ping_date then counter_value end)
            as {{ metric.column }}
        {%- endfor %}
    from dated_rows
    group by 1, 2
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
