with source as (
    select * from {{ source('customers_db', 'license_seat_links') }}
)

select
    cast(order_id as {{ dbt.type_bigint() }}) as order_id,
    nullif(trim(zuora_subscription_id), '') as zuora_subscription_id,
    nullif(trim(zuora_subscription_name), '') as zuora_subscription_name,
    hostname,
    instance_identifier,
    report_date,
    active_user_count,
    license_user_count,
    max_historical_user_count,
    created_at
from source
