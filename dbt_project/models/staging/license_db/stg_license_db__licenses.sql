-- license_md5 is lower-cased and trimmed so it joins the md5 a ping reports.
with source as (
    select * from {{ source('license_db', 'licenses') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    company,
    email,
    users_count,
    plan_code,
    starts_at,
    expires_at,
    coalesce(trial, false) as trial,
    nullif(trim(zuora_subscription_id), '') as zuora_subscription_id,
    nullif(trim(zuora_subscription_name), '') as zuora_subscription_name,
    lower(nullif(trim(license_md5), '')) as license_md5,
    created_at,
    updated_at
from source
