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

namespace_months as (
    select
        namespace_id,
        snapshot_month,
        max(ping_date) as ping_created_at
    from metric_rows
    group by 1, 2
),

catalog_rows as (
    select *
    from metric_rows
    where metric_path in (
        {%- for metric in metrics %}'{{ metric.key_path }}'{{ ', ' if not loop.last }}{% endfor -%}
        {%- if not metrics %}''{% endif -%}
    )
),

-- the latest ping_date per namespace, month and metric: two aggregations and a
-- join instead of a window, which would sort every metric row (the biggest
-- GitLab.com table); equal dates keep the larger value
latest_dates as (
    select
        namespace_id,
        snapshot_month,
        metric_path,
        max(ping_date) as latest_ping_date
    from catalog_rows
    group by 1, 2, 3
),

latest_values as (
    select
        catalog_rows.namespace_id,
        catalog_rows.snapshot_month,
        catalog_rows.metric_path,
        max(catalog_rows.counter_value) as counter_value
    from catalog_rows
    inner join latest_dates
        on latest_dates.namespace_id = catalog_rows.namespace_id
        and latest_dates.snapshot_month = catalog_rows.snapshot_month
        and latest_dates.metric_path = catalog_rows.metric_path
        and latest_dates.latest_ping_date = catalog_rows.ping_date
    group by 1, 2, 3
),

pivoted as (
    select
        namespace_id,
        snapshot_month
        {%- for metric in metrics %},
        max(case when metric_path = '{{ metric.key_path }}' then counter_value end) as {{ metric.column }}
        {%- endfor %}
    from latest_values
    group by 1, 2
)

select
    namespace_months.snapshot_month,
    namespace_months.namespace_id as dim_namespace_id,
    cast(namespace_months.ping_created_at as {{ dbt.type_timestamp() }}) as ping_created_at
    {%- for metric in metrics %},
    {%- if metric.counts == 'setting' %}
    pivoted.{{ metric.column }} <> 0 as {{ metric.column }}
    {%- else %}
    {{ metric_clean_value('cast(pivoted.' ~ metric.column ~ ' as ' ~ dbt.type_bigint() ~ ')', metric) }} as {{ metric.column }}
    {%- endif %}
    {%- endfor %}
from namespace_months
left join pivoted
    on pivoted.namespace_id = namespace_months.namespace_id
    and pivoted.snapshot_month = namespace_months.snapshot_month
