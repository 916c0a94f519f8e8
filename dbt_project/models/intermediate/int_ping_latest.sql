-- The ping that counts for a month (docs/data-contract.md §4 "Which ping counts"): the
-- latest recorded_at per installation (dim_installation_id = host_id + uuid) per
-- subscription lineage per calendar month, among pings mapped to a subscription;
-- with its seat counts and its catalog metrics cleaned (`-1` -> NULL).
-- Monthly partitioned by ping_month.
{{ config(**monthly_partition_config('ping_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with mapped_pings as (
    -- the ping facts fct_ping also reads (staging + the one ping -> subscription
    -- decision), not fct_ping itself: an intermediate model never refs a mart
    select
        pings.dim_ping_id,
        ping_subscription.dim_installation_id,  -- hashed once, in int_ping_subscription
        pings.uuid,
        pings.hostname,
        pings.ping_created_at,
        {{ month_of('pings.ping_created_at') }} as ping_month,
        ping_subscription.dim_license_id,
        ping_subscription.dim_subscription_id,
        ping_subscription.dim_subscription_id_original,
        ping_subscription.ping_subscription_source,
        pings.license_user_count,
        pings.license_billable_users,
        pings.historical_max_users,
        pings.active_user_count
    from {{ ref('stg_version_db__usage_data') }} as pings
    inner join {{ ref('int_ping_subscription') }} as ping_subscription
        on ping_subscription.dim_ping_id = pings.dim_ping_id
    where ping_subscription.dim_subscription_id_original is not null
        and {{ in_partition_window('pings.ping_created_at') }}
        -- the same ping's recorded_at: the window prunes this side too
        and {{ in_partition_window('ping_subscription.ping_created_at') }}
),

latest as (
    select *
    from mapped_pings
    qualify row_number() over (
        partition by dim_installation_id, dim_subscription_id_original, ping_month
        order by ping_created_at desc, dim_ping_id desc
    ) = 1
),

ping_metrics as (
    select *
    from {{ ref('int_ping_metrics') }}
    where {{ in_partition_window('ping_month') }}
)

select
    latest.ping_month,
    latest.dim_subscription_id_original,
    latest.dim_subscription_id as ping_dim_subscription_id,
    latest.dim_installation_id,
    latest.uuid,
    latest.hostname,
    latest.dim_ping_id,
    latest.ping_created_at,
    latest.dim_license_id,
    latest.ping_subscription_source,
    latest.license_user_count,
    latest.license_billable_users,
    latest.historical_max_users,
    latest.active_user_count
    {%- for metric in metrics %},
    {{ metric_clean_value('ping_metrics.' ~ metric.column, metric) }} as {{ metric.column }}
    {%- endfor %}
from latest
left join ping_metrics
    on ping_metrics.dim_ping_id = latest.dim_ping_id
