-- Estimated total usage per month, deployment and metric (data-contract §6): only
-- part of the paid base reports usage, so the recorded total is scaled up by the
-- share of licensed seats that reported.
--   recorded_usage     sum of the metric over the primary mart rows with data
--                      (a staging server does not add to it)
--   reporting_seats    sum of license_user_count of the lineages with data that month
--   total_seats        sum of license_user_count of every lineage in effect
--   percent_reporting  reporting_seats / total_seats
--   estimated_usage    recorded_usage / percent_reporting (NULL when it is 0 or NULL)
-- A lineage's seats are its primary row's license_user_count (NULL counts 0); the
-- primary row has data exactly when the lineage has data that month. Metrics: the
-- catalog's Service Ping counts (users, events); settings (on/off) are not
-- additive usage and are left out. Monthly partitioned by snapshot_month.
{{ config(**monthly_partition_config('snapshot_month')) }}
{%- set metrics = [] %}
{%- for metric in metric_catalog(source='service_ping') %}
    {%- if metric.counts in ('users', 'events') %}{% do metrics.append(metric) %}{% endif %}
{%- endfor %}

with primary_rows as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
    where is_primary_installation
        and {{ in_partition_window('snapshot_month') }}
),

seats as (
    select
        snapshot_month,
        deployment_type,
        sum(coalesce(license_user_count, 0)) as total_seats,
        sum(case when is_data_in_subscription_month then coalesce(license_user_count, 0) else 0 end) as reporting_seats,
        count(*) as lineages_in_effect,
        sum(case when is_data_in_subscription_month then 1 else 0 end) as lineages_reporting
    from primary_rows
    group by 1, 2
),

{%- if metrics %}
recorded as (
    {%- for metric in metrics %}
    select
        snapshot_month,
        deployment_type,
        '{{ metric.column }}' as metric_name,
        sum(case when is_data_in_subscription_month then {{ metric.column }} end) as recorded_usage,
        count(case when is_data_in_subscription_month then {{ metric.column }} end) as reporting_rows_with_value
    from primary_rows
    group by 1, 2
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
{%- else %}
recorded as (
    select
        snapshot_month,
        deployment_type,
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ dbt.type_bigint() }}) as recorded_usage,
        cast(null as {{ dbt.type_bigint() }}) as reporting_rows_with_value
    from primary_rows
    where 1 = 0
),
{%- endif %}

totals as (
    select
        recorded.snapshot_month,
        recorded.deployment_type,
        recorded.metric_name,
        recorded.recorded_usage,
        recorded.reporting_rows_with_value,
        seats.reporting_seats,
        seats.total_seats,
        seats.lineages_reporting,
        seats.lineages_in_effect,
        cast(seats.reporting_seats as {{ type_double() }})
            / nullif(cast(seats.total_seats as {{ type_double() }}), 0) as percent_reporting
    from recorded
    inner join seats
        on seats.snapshot_month = recorded.snapshot_month
        and seats.deployment_type = recorded.deployment_type
)

select
    {{ hash_key(['snapshot_month', 'deployment_type', 'metric_name']) }} as primary_key,
    snapshot_month,
    deployment_type,
    metric_name,
    recorded_usage,
    reporting_seats,
    total_seats,
    percent_reporting,
    cast(recorded_usage as {{ type_double() }}) / nullif(percent_reporting, 0) as estimated_usage,
    lineages_reporting,
    lineages_in_effect,
    reporting_rows_with_value
from totals
