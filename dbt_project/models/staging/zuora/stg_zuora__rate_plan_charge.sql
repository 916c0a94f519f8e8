with source as (
    select * from {{ source('zuora', 'rate_plan_charge') }}
)

select
    id,
    rate_plan_id,
    product_rate_plan_charge_id,
    name,
    charge_type,
    mrr,
    quantity,
    effective_start_date,
    effective_end_date,
    segment,
    version,
    created_date,
    updated_date,
    deleted,
    cast({{ dbt.date_trunc('month', 'effective_start_date') }} as date) as effective_start_month,
    cast({{ dbt.date_trunc('month', 'effective_end_date') }} as date) as effective_end_month
from source
where not coalesce(deleted, false)
