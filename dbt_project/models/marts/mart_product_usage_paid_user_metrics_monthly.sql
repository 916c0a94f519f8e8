-- Paid-user usage per month (docs/data-contract.md §3, §4 "Monthly mart rows", §5): one
-- row per snapshot_month x paid subscription lineage x (ultimate-parent
-- namespace for GitLab.com | installation uuid + hostname for Self-Managed).
--   * Self-Managed: one row per installation whose latest ping of the month maps
--     to the lineage; a lineage-month without such a ping keeps one row with NULL
--     uuid, hostname and ping columns (is_data_in_subscription_month false).
--   * GitLab.com: one row per lineage-month for its namespace, metrics at the
--     month's latest ping_date per metric; seats only in the AS_OF month.
--   * Wave-1 seat columns by docs/data-contract.md §5; wave-2 columns generated from the
--     metric catalog (models/metric_catalog.yml), `-1` and absent -> NULL.
--   * Seat Link (data-contract §6): the lineage-month's latest seat link on every
--     Self-Managed row (has_seat_link_in_month never NULL there; NULL for
--     GitLab.com, which has no Seat Link).
--   * installation_type from dim_installation; is_primary_installation marks one
--     row per lineage x month by the ordering rule of §6 (month-local, so it is
--     right within any partition window).
-- Monthly partitioned by snapshot_month; is_latest_data is kept right across
-- partition runs by the post_hook.
{{ config(post_hook="{{ refresh_is_latest_data() }}", **monthly_partition_config('snapshot_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with subscription_months as (
    select *
    from {{ ref('fct_subscription_month') }}
    where {{ in_partition_window('snapshot_month') }}
),

-- the mart's grain is uuid + hostname: should two installations (host_id) share
-- both, the later ping of the month wins
installation_pings as (
    select *
    from {{ ref('int_ping_latest') }}
    where {{ in_partition_window('ping_month') }}
    qualify row_number() over (
        partition by dim_subscription_id_original, ping_month, uuid, hostname
        order by ping_created_at desc, dim_ping_id desc
    ) = 1
),

namespace_metrics as (
    select *
    from {{ ref('int_namespace_metrics') }}
    where {{ in_partition_window('snapshot_month') }}
),

seat_links as (
    select *
    from {{ ref('int_seat_link_monthly') }}
    where {{ in_partition_window('snapshot_month') }}
),

installations as (
    select
        dim_installation_id,
        installation_type
    from {{ ref('dim_installation') }}
),

namespace_seats as (
    select
        dim_namespace_id,
        gitlab_plan_name,
        seats,
        seats_in_use,
        max_seats_used
    from {{ ref('dim_namespace') }}
),

self_managed as (
    select
        subscription_months.*,
        cast(null as {{ dbt.type_string() }}) as gitlab_plan_name,
        installation_pings.dim_installation_id,
        installation_pings.uuid,
        installation_pings.hostname,
        installation_pings.dim_ping_id,
        installation_pings.ping_created_at,
        installation_pings.dim_ping_id is not null as is_data_in_subscription_month,
        coalesce(subscription_months.zuora_licensed_seats, installation_pings.license_user_count) as license_user_count,
        case
            when subscription_months.zuora_licensed_seats is not null then 'zuora'
            when installation_pings.license_user_count is not null then 'ping'
        end as license_user_count_source,
        installation_pings.license_billable_users as billable_user_count,
        installation_pings.active_user_count,
        installation_pings.historical_max_users as max_historical_user_count
        {%- for metric in metrics %},
        installation_pings.{{ metric.column }}
        {%- endfor %},
        seat_links.seat_link_report_date,
        seat_links.seat_link_active_user_count,
        seat_links.seat_link_license_user_count,
        seat_links.seat_link_max_historical_user_count,
        seat_links.seat_link_report_date is not null as has_seat_link_in_month,
        installations.installation_type
    from subscription_months
    left join installation_pings
        on installation_pings.dim_subscription_id_original = subscription_months.dim_subscription_id_original
        and installation_pings.ping_month = subscription_months.snapshot_month
    left join seat_links
        on seat_links.dim_subscription_id_original = subscription_months.dim_subscription_id_original
        and seat_links.snapshot_month = subscription_months.snapshot_month
    left join installations
        on installations.dim_installation_id = installation_pings.dim_installation_id
    where subscription_months.deployment_type is distinct from 'GitLab.com'
),

gitlab_com as (
    select
        subscription_months.*,
        namespace_seats.gitlab_plan_name,
        cast(null as {{ dbt.type_string() }}) as dim_installation_id,
        cast(null as {{ dbt.type_string() }}) as uuid,
        cast(null as {{ dbt.type_string() }}) as hostname,
        cast(null as {{ dbt.type_bigint() }}) as dim_ping_id,
        namespace_metrics.ping_created_at,
        namespace_metrics.dim_namespace_id is not null as is_data_in_subscription_month,
        coalesce(
            subscription_months.zuora_licensed_seats,
            case when subscription_months.is_as_of_month then namespace_seats.seats end
        ) as license_user_count,
        case
            when subscription_months.zuora_licensed_seats is not null then 'zuora'
            when subscription_months.is_as_of_month and namespace_seats.seats is not null then 'gitlab_subscriptions'
        end as license_user_count_source,
        case when subscription_months.is_as_of_month then namespace_seats.seats_in_use end as billable_user_count,
        cast(null as {{ dbt.type_bigint() }}) as active_user_count,
        case when subscription_months.is_as_of_month then namespace_seats.max_seats_used end as max_historical_user_count
        {%- for metric in metrics %},
        namespace_metrics.{{ metric.column }}
        {%- endfor %},
        cast(null as date) as seat_link_report_date,
        cast(null as {{ dbt.type_bigint() }}) as seat_link_active_user_count,
        cast(null as {{ dbt.type_bigint() }}) as seat_link_license_user_count,
        cast(null as {{ dbt.type_bigint() }}) as seat_link_max_historical_user_count,
        cast(null as {{ dbt.type_boolean() }}) as has_seat_link_in_month,
        cast(null as {{ dbt.type_string() }}) as installation_type
    from subscription_months
    left join namespace_metrics
        on namespace_metrics.dim_namespace_id = subscription_months.dim_namespace_id
        and namespace_metrics.snapshot_month = subscription_months.snapshot_month
    left join namespace_seats
        on namespace_seats.dim_namespace_id = subscription_months.dim_namespace_id
    where subscription_months.deployment_type = 'GitLab.com'
),

unioned as (
    select * from self_managed
    union all
    select * from gitlab_com
),

keyed as (
    select
        row_number() over (
            partition by dim_subscription_id_original, snapshot_month
            order by
                case
                    when installation_type = 'Production' then 0
                    when dim_installation_id is null then 1
                    else 2
                end,
                billable_user_count desc nulls last,
                ping_created_at desc nulls last,
                dim_installation_id asc nulls last
        ) = 1 as is_primary_installation,
        {{ hash_key(['snapshot_month', 'dim_subscription_id_original', 'dim_namespace_id', 'uuid', 'hostname']) }}
            as primary_key,
        {{ hash_key(['dim_subscription_id_original', 'dim_namespace_id', 'uuid', 'hostname']) }}
            as usage_series_id,
        unioned.*
    from unioned
),

-- each series' latest month with data: an aggregation on the series key, joined back
-- (a window over the series would sort the full-width rows)
latest_data_months as (
    select
        usage_series_id as series_id,
        max(case when is_data_in_subscription_month then snapshot_month end) as latest_month
    from keyed
    group by 1
)

select
    primary_key,
    snapshot_month,
    dim_subscription_id,
    dim_subscription_id_original,
    subscription_name,
    subscription_status,
    deployment_type,
    product_tier,
    gitlab_plan_name,
    dim_namespace_id,
    uuid,
    hostname,
    dim_installation_id,
    dim_billing_account_id,
    dim_crm_account_id,
    dim_ping_id,
    ping_created_at,
    -- wave 1: seats
    license_user_count,
    license_user_count_source,
    billable_user_count,
    active_user_count,
    max_historical_user_count,
    cast(billable_user_count as {{ type_double() }})
        / nullif(cast(license_user_count as {{ type_double() }}), 0) as license_utilization,
    -- wave 2+: telemetry, from the metric catalog
    {%- for metric in metrics %}
    {{ metric.column }},
    {%- endfor %}
    is_data_in_subscription_month,
    coalesce(is_data_in_subscription_month and snapshot_month = latest_data_months.latest_month, false)
        as is_latest_data,
    usage_series_id,
    -- Seat Link (data-contract §6)
    seat_link_report_date,
    seat_link_active_user_count,
    seat_link_license_user_count,
    seat_link_max_historical_user_count,
    has_seat_link_in_month,
    -- installations (data-contract §6)
    installation_type,
    is_primary_installation
from keyed
left join latest_data_months
    on latest_data_months.series_id = keyed.usage_series_id
