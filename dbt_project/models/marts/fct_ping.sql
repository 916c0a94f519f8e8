-- One row per Service Ping (version_db.usage_data) with the installation, the
-- license and the subscription it maps to (docs/data-contract.md §4 "Ping ->
-- subscription", decided once in int_ping_subscription) and the seat counts the
-- ping reports. Payload metrics are in fct_ping_metric / int_ping_metrics.
-- Monthly partitioned by ping_month.
{{ config(**monthly_partition_config('ping_month')) }}

with pings as (
    select *
    from {{ ref('stg_version_db__usage_data') }}
    where {{ in_partition_window('ping_created_at') }}
),

ping_subscription as (
    select *
    from {{ ref('int_ping_subscription') }}
    where {{ in_partition_window('ping_created_at') }}  -- the ping's recorded_at, as above
),

subscriptions as (
    select
        dim_subscription_id,
        dim_billing_account_id,
        dim_crm_account_id
    from {{ ref('dim_subscription') }}
)

select
    pings.dim_ping_id,
    pings.dim_installation_id,
    pings.uuid,
    pings.hostname,
    pings.host_id,
    pings.version,
    pings.edition,
    pings.ping_created_at,
    {{ month_of('pings.ping_created_at') }} as ping_month,
    pings.created_at,
    pings.license_md5,
    pings.license_subscription_id,
    ping_subscription.dim_license_id,
    ping_subscription.dim_subscription_id,
    ping_subscription.dim_subscription_id_original,
    subscriptions.dim_billing_account_id,
    subscriptions.dim_crm_account_id,
    ping_subscription.ping_subscription_source,
    pings.license_user_count,
    pings.license_billable_users,
    pings.historical_max_users,
    pings.active_user_count
from pings
left join ping_subscription
    on ping_subscription.dim_ping_id = pings.dim_ping_id
left join subscriptions
    on subscriptions.dim_subscription_id = ping_subscription.dim_subscription_id
