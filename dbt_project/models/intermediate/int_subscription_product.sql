-- The product of each subscription version: its not-deleted rate plans joined to
-- the product catalog (rate plans of deleted versions are left out). When a version carries several rate plans, the one with a
-- known deployment and a paid tier wins, then the latest created (then the id).
with rate_plans as (
    select
        rate_plan.subscription_id,
        rate_plan.id as rate_plan_id,
        rate_plan.created_date,
        product_rate_plan.id as product_rate_plan_id,
        product_rate_plan.name as product_rate_plan_name,
        product_rate_plan.deployment_type,
        product_rate_plan.product_tier,
        product_rate_plan.is_paid_tier
    from {{ ref('stg_zuora__rate_plan') }} as rate_plan
    inner join {{ ref('stg_zuora__subscription') }} as subscription
        on subscription.id = rate_plan.subscription_id
    left join {{ ref('stg_zuora__product_rate_plan') }} as product_rate_plan
        on product_rate_plan.id = rate_plan.product_rate_plan_id
)

select
    subscription_id,
    rate_plan_id,
    product_rate_plan_id,
    product_rate_plan_name,
    deployment_type,
    product_tier,
    coalesce(is_paid_tier, false) as is_paid_tier
from rate_plans
qualify row_number() over (
    partition by subscription_id
    order by
        case when deployment_type is not null then 0 else 1 end,
        case when is_paid_tier then 0 else 1 end,
        created_date desc,
        rate_plan_id desc
) = 1
