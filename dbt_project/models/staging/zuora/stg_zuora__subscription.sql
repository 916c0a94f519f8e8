with source as (
    select * from {{ source('zuora', 'subscription') }}
)

select
    id,
    name,
    account_id,
    invoice_owner_id,
    original_id,
    previous_subscription_id,
    cast(version as {{ dbt.type_bigint() }}) as version,
    status,
    subscription_start_date,
    subscription_end_date,
    term_start_date,
    term_end_date,
    auto_renew,
    cast(namespace_id as {{ dbt.type_bigint() }}) as namespace_id,
    created_date,
    updated_date,
    deleted,
    status in ('Active', 'Cancelled') as is_active_or_cancelled
from source
where not coalesce(deleted, false)
