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
{{ config(**monthly_partition_config('ping_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with ping_metrics as (
    select *
    from {{ ref('int_ping_metrics') }}
    where {{ in_partition_window('ping_month') }}
),

pings as (
    select
        dim_ping_id,
        dim_installation_id,
        dim_subscription_id_original
    from {{ ref('fct_ping') }}
    where {{ in_partition_window('ping_month') }}
),

catalog as (
    select metric_name
    from {{ ref('dim_metric') }}
    where metric_source = 'service_ping'
),

long_form as (
    select
        ping_metrics.dim_ping_id,
        ping_metrics.ping_created_at,
        ping_metrics.ping_month,
        catalog.metric_name,
        case catalog.metric_name
            {%- for metric in metrics %}
            when '{{ metric.column }}' then cast(
                {%- if metric.counts == 'setting' %} case when ping_metrics.{{ metric.column }} then 1 when not ping_metrics.{{ metric.column }} then 0 end
                {%- else %} ping_metrics.{{ metric.column }}{% endif %} as {{ type_double() }})
            {%- endfor %}
        end as reported_value,
        case
            when ping_metrics.out_of_range_metrics like '%,' || catalog.metric_name || ',%' then 'out_of_range'
            when ping_metrics.wrong_type_metrics like '%,' || catalog.metric_name || ',%' then 'wrong_type'
        end as unreadable_issue
    from ping_metrics
    cross join catalog
)

select
    long_form.dim_ping_id,
    pings.dim_installation_id,
    pings.dim_subscription_id_original,
    long_form.ping_created_at,
    long_form.ping_month,
    long_form.metric_name,
    nullif(long_form.reported_value, -1) as metric_value,
    coalesce(long_form.reported_value = -1, false) as is_timed_out,
    case when long_form.reported_value = -1 then 'timed_out' else long_form.unreadable_issue end as metric_value_issue
from long_form
left join pings
    on pings.dim_ping_id = long_form.dim_ping_id
where long_form.reported_value is not null or long_form.unreadable_issue is not null
