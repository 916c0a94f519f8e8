-- Long form of the payload metrics for analysts: one row per ping x catalog
-- metric (source `service_ping`) that the payload reports. A metric absent from
-- the payload has no row; a `-1` (the instance's query timed out) has a row with
-- metric_value NULL and is_timed_out true. Settings are 1 (on) / 0 (off).
-- A metric present but unreadable is never silently NULL: it has a row with
-- metric_value NULL and metric_value_issue `out_of_range` (a number too large
-- for its column, e.g. 10^22) or `wrong_type` (e.g. a string where a count is
-- expected); `timed_out` for -1; NULL for a good value.
-- Join dim_metric on metric_name for the metric's meaning.
-- Built as one narrow select per catalog metric (union all): each reads only its
-- own column, so no ping x metric cross join evaluates an N-way CASE per row.
-- Monthly partitioned by ping_month.
{{ config(**monthly_partition_config('ping_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with ping_metrics as (
    select
        ping_metrics.*,
        pings.dim_installation_id,
        pings.dim_subscription_id_original
    from {{ ref('int_ping_metrics') }} as ping_metrics
    left join {{ ref('fct_ping') }} as pings
        on pings.dim_ping_id = ping_metrics.dim_ping_id
        and {{ in_partition_window('pings.ping_month') }}
    where {{ in_partition_window('ping_metrics.ping_month') }}
),

catalog as (
    select metric_name
    from {{ ref('dim_metric') }}
    where metric_source = 'service_ping'
),

long_form as (
    {%- for metric in metrics %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        dim_ping_id,
        dim_installation_id,
        dim_subscription_id_original,
        ping_created_at,
        ping_month,
        '{{ metric.column }}' as metric_name,
        cast(
            {%- if metric.counts == 'setting' %} case when {{ metric.column }} then 1 when not {{ metric.column }} then 0 end
            {%- else %} {{ metric.column }}{% endif %} as {{ type_double() }}) as reported_value,
        case
            when out_of_range_metrics like '%,{{ metric.column }},%' then 'out_of_range'
            when wrong_type_metrics like '%,{{ metric.column }},%' then 'wrong_type'
        end as unreadable_issue
    from ping_metrics
    where {{ metric.column }} is not null
        or out_of_range_metrics like '%,{{ metric.column }},%'
        or wrong_type_metrics like '%,{{ metric.column }},%'
    {%- endfor %}
    {%- if not metrics %}
    select
        cast(null as {{ dbt.type_string() }}) as dim_ping_id,
        cast(null as {{ dbt.type_string() }}) as dim_installation_id,
        cast(null as {{ dbt.type_string() }}) as dim_subscription_id_original,
        cast(null as {{ dbt.type_timestamp() }}) as ping_created_at,
        cast(null as date) as ping_month,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ type_double() }}) as reported_value,
        cast(null as {{ dbt.type_string() }}) as unreadable_issue
    where 1 = 0
    {%- endif %}
)

select
    long_form.dim_ping_id,
    long_form.dim_installation_id,
    long_form.dim_subscription_id_original,
    long_form.ping_created_at,
    long_form.ping_month,
    long_form.metric_name,
    nullif(long_form.reported_value, -1) as metric_value,
    coalesce(long_form.reported_value = -1, false) as is_timed_out,
    case when long_form.reported_value = -1 then 'timed_out' else long_form.unreadable_issue end as metric_value_issue
from long_form
inner join catalog
    on catalog.metric_name = long_form.metric_name
