-- The Zuora product catalog at rate-plan grain: product, rate plan and the
-- deployment / tier parsed from the rate plan name (`<Deployment> - <Tier>`).
with product_rate_plans as (
    select * from {{ ref('stg_zuora__product_rate_plan') }}
),

products as (
    select * from {{ ref('stg_zuora__product') }}
)

select
    product_rate_plans.id as dim_product_detail_id,
    product_rate_plans.id as product_rate_plan_id,
    product_rate_plans.name as product_rate_plan_name,
    products.id as product_id,
    products.name as product_name,
    products.sku as product_sku,
    product_rate_plans.deployment_type,
    product_rate_plans.product_tier,
    product_rate_plans.is_paid_tier as is_paid
from product_rate_plans
left join products
    on products.id = product_rate_plans.product_id
