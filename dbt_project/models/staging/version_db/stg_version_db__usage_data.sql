-- One row per Service Ping. The derived keys are the ones every ping model uses:
-- dim_ping_id (= id), ping_created_at (= recorded_at) and dim_installation_id
-- (hash of host_id, uuid; the same macro as dim_installation).
with source as (
    select * from {{ source('version_db', 'usage_data') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    uuid,
    hostname,
    cast(host_id as {{ dbt.type_bigint() }}) as host_id,
    version,
    edition,
    lower(nullif(trim(license_md5), '')) as license_md5,
    nullif(trim(license_subscription_id), '') as license_subscription_id,
    license_user_count,
    license_billable_users,
    historical_max_users,
    active_user_count,
    recorded_at,
    created_at,
    payload,
    cast(id as {{ dbt.type_bigint() }}) as dim_ping_id,
    recorded_at as ping_created_at,
    {{ installation_id('host_id', 'uuid') }} as dim_installation_id
from source
