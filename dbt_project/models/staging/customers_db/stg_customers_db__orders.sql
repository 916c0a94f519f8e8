-- Orders are overwritten in place upstream (no history). The classification of
-- docs/data-contract.md §4 (trial / paid / free) only depends on the order itself, so it
-- is derived here; the SaaS / Self-Managed split needs the rate plan (int_orders).
with source as (
    select * from {{ source('customers_db', 'orders') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
    nullif(trim(product_rate_plan_id), '') as product_rate_plan_id,
    nullif(trim(subscription_id), '') as subscription_id,
    nullif(trim(subscription_name), '') as subscription_name,
    start_date,
    end_date,
    quantity,
    cast(gl_namespace_id as {{ dbt.type_bigint() }}) as gl_namespace_id,
    gl_namespace_name,
    coalesce(trial, false) as trial,
    created_at,
    updated_at,
    case
        when coalesce(trial, false) then 'trial'
        when nullif(trim(subscription_id), '') is not null then 'paid'
        else 'free'
    end as order_type
from source
