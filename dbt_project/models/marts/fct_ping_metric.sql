-- Long form of the payload metrics for analysts: one row per ping x catalog
-- metric (source `service_ping`) that the payload reports. A metric absent from
-- the payload has no row; a `-1` (the instance's query timed out) has a row with
-- metric_value NULL and is_timed_out true. Settings are 1 (on) / 0 (off).
-- A metric present but unreadable is never silently NULL: it has a row with
-- metric_value NULL and metric_value_issue `out_of_range` (a number too large
-- for its column, e.g. 10^22) or `wrong_type` (e.g. a string where a count is
-- expected); `timed_out` for -1; NULL for a good value.
-- Join dim_metric on metric_name for the metric's meaning.
-- Monthly partitioned by ping_month.
-- One `union all` branch per catalog metric over the pings joined once to fct_ping:
-- each branch reads its own column (a cross join with the catalog compared every
-- metric name against every CASE branch on every ping x metric row).
{{ config(**monthly_partition_config('ping_month')) }}
-- depends_on: {{ ref('dim_metric') }} (metric_name is dim_metric's key; the branches come from the same catalog)
{%- set metrics = metric_catalog(source='service_ping') %}

with pings as (
    select
        ping_metrics.*,
        fct_ping.dim_installation_id,
        fct_ping.dim_subscription_id_original
    from {{ ref('int_ping_metrics') }} as ping_metrics
    left join {{ ref('fct_ping') }} as fct_ping
        on fct_ping.dim_ping_id = ping_metrics.dim_ping_id
        and {{ in_partition_window('fct_ping.ping_month') }}
    where {{ in_partition_window('ping_metrics.ping_month') }}
),

long_form as (
    {%- for metric in metrics %}
    {%- set value -%}
        cast({%- if metric.counts == 'setting' %}case when {{ metric.column }} then 1 when not {{ metric.column }} then 0 end
        {%- else %}{{ metric.column }}{% endif %} as {{ type_double() }})
    {%- endset %}
    {%- set out_of_range = "out_of_range_metrics like '%," ~ metric.column ~ ",%'" %}
    {%- set wrong_type = "wrong_type_metrics like '%," ~ metric.column ~ ",%'" %}
    select
        dim_ping_id,
        dim_installation_id,
        dim_subscription_id_original,
        ping_created_at,
        ping_month,
        cast('{{ metric.column }}' as {{ dbt.type_string() }}) as metric_name,
        {{ value }} as reported_value,
        case
            when {{ out_of_range }} then 'out_of_range'
            when {{ wrong_type }} then 'wrong_type'
        end as unreadable_issue
    from pings
    where {{ value }} is not null or {{ out_of_range }} or {{ wrong_type }}
    {{ 'union all' if not loop.last }}
    {%- else %}
    -- parse time: the catalog is not loaded yet
    select
        dim_ping_id,
        dim_installation_id,
        dim_subscription_id_original,
        ping_created_at,
        ping_month,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ type_double() }}) as reported_value,
        cast(null as {{ dbt.type_string() }}) as unreadable_issue
    from pings
    where 1 = 0
    {%- endfor %}
)

select
    dim_ping_id,
    dim_installation_id,
    dim_subscription_id_original,
    ping_created_at,
    ping_month,
    metric_name,
    nullif(reported_value, -1) as metric_value,
    coalesce(reported_value = -1, false) as is_timed_out,
    case when reported_value = -1 then 'timed_out' else unreadable_issue end as metric_value_issue
from long_form
