-- Ping -> subscription (docs/data-contract.md §4, first that applies): the ping's
-- license_subscription_id when it exists in Zuora; else the license found by
-- license_md5 with a valid subscription; else unmapped (NULL). When several
-- licenses share an md5, one with a valid subscription is preferred, then the
-- most recently updated.
with pings as (
    select
        dim_ping_id,
        dim_installation_id,
        license_md5,
        license_subscription_id,
        ping_created_at
    from {{ ref('stg_version_db__usage_data') }}
),

subscriptions as (
    select
        id,
        original_id
    from {{ ref('stg_zuora__subscription') }}
),

licenses_by_md5 as (
    select
        license.dim_license_id,
        license.license_md5,
        license.dim_subscription_id,
        license.dim_subscription_id_original
    from {{ ref('int_license_subscription') }} as license
    inner join {{ ref('stg_license_db__licenses') }} as source_license
        on source_license.id = license.dim_license_id
    where license.license_md5 is not null
    qualify row_number() over (
        partition by license.license_md5
        order by
            case when license.is_license_subscription_id_valid then 0 else 1 end,
            source_license.updated_at desc,
            license.dim_license_id desc
    ) = 1
)

select
    pings.dim_ping_id,
    pings.dim_installation_id,
    pings.ping_created_at,
    pings.license_md5,
    licenses_by_md5.dim_license_id,
    coalesce(ping_subscription.id, licenses_by_md5.dim_subscription_id) as dim_subscription_id,
    coalesce(ping_subscription.original_id, licenses_by_md5.dim_subscription_id_original) as dim_subscription_id_original,
    case
        when ping_subscription.id is not null then 'license_subscription_id'
        when licenses_by_md5.dim_subscription_id is not null then 'license_md5'
    end as ping_subscription_source
from pings
left join subscriptions as ping_subscription
    on ping_subscription.id = pings.license_subscription_id
left join licenses_by_md5
    on licenses_by_md5.license_md5 = pings.license_md5
