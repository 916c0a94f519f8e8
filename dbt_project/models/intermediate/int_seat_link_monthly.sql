-- Seat Link per subscription lineage and month (data-contract §6): a seat link
-- belongs to the lineage whose subscription (any not-deleted version) has
-- name = zuora_subscription_name, else the version with id =
-- zuora_subscription_id; the latest report_date of the month gives the four
-- seat_link_* values (ties: the latest created_at, then the highest counts).
-- Should one name be used by several lineages (Zuora does not forbid it), the
-- lineage of the most recently updated version with that name is taken.
-- Seat links that map to no lineage cannot be placed on a mart row and are left
-- out (they stay in staging).
with seat_links as (
    select * from {{ ref('stg_customers_db__license_seat_links') }}
),

subscriptions as (
    select id, name, original_id, updated_date, version
    from {{ ref('stg_zuora__subscription') }}
),

lineage_by_name as (
    select
        name,
        original_id
    from subscriptions
    where name is not null
    qualify row_number() over (
        partition by name
        order by updated_date desc, version desc, id desc
    ) = 1
),

mapped as (
    select
        coalesce(lineage_by_name.original_id, by_id.original_id) as dim_subscription_id_original,
        {{ month_of('seat_links.report_date') }} as snapshot_month,
        seat_links.*
    from seat_links
    left join lineage_by_name
        on lineage_by_name.name = seat_links.zuora_subscription_name
    left join subscriptions as by_id
        on by_id.id = seat_links.zuora_subscription_id
)

select
    dim_subscription_id_original,
    snapshot_month,
    report_date as seat_link_report_date,
    active_user_count as seat_link_active_user_count,
    license_user_count as seat_link_license_user_count,
    max_historical_user_count as seat_link_max_historical_user_count,
    hostname as seat_link_hostname,
    instance_identifier as seat_link_instance_identifier
from mapped
where dim_subscription_id_original is not null
qualify row_number() over (
    partition by dim_subscription_id_original, snapshot_month
    order by report_date desc, created_at desc, license_user_count desc, active_user_count desc
) = 1
