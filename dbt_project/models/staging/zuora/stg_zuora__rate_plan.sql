with source as (
    select * from {{ source('zuora', 'rate_plan') }}
)

select
    id,
    subscription_id,
    product_rate_plan_id,
    name,
    amendment_type,
    created_date,
    updated_date,
    deleted
from source
where not coalesce(deleted, false)
