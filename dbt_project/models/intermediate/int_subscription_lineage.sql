-- One row per subscription lineage (Zuora original_id) with the version that
-- counts (docs/data-contract.md §4): the latest Active/Cancelled version (highest
-- version, then the latest updated). Whether the lineage is in effect in the
-- AS_OF month and paid is decided here once, for the bridge, dim_customer and
-- the monthly mart.
with versions as (
    select
        subscription.*,
        product.deployment_type,
        product.product_tier,
        product.product_rate_plan_id,
        coalesce(product.is_paid_tier, false) as is_paid_tier
    from {{ ref('stg_zuora__subscription') }} as subscription
    left join {{ ref('int_subscription_product') }} as product
        on product.subscription_id = subscription.id
),

latest_active as (
    select *
    from versions
    where status in ('Active', 'Cancelled')
    qualify row_number() over (
        partition by original_id
        order by version desc, updated_date desc, id desc
    ) = 1
),

as_of as (
    select
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as as_of_month_start,
        {{ last_day_of_month(dbt.date_trunc('month', as_of_date())) }} as as_of_month_end
)

select
    latest_active.original_id as dim_subscription_id_original,
    latest_active.id as dim_subscription_id,
    latest_active.name as subscription_name,
    latest_active.version as subscription_version,
    latest_active.status as subscription_status,
    latest_active.account_id as dim_billing_account_id,
    latest_active.namespace_id,
    latest_active.subscription_start_date,
    latest_active.subscription_end_date,
    latest_active.term_start_date,
    latest_active.term_end_date,
    latest_active.deployment_type,
    latest_active.product_tier,
    latest_active.product_rate_plan_id,
    latest_active.is_paid_tier as is_paid,
    latest_active.subscription_start_date <= as_of.as_of_month_end
        and (
            latest_active.subscription_end_date is null
            or latest_active.subscription_end_date > as_of.as_of_month_start
        ) as is_in_effect_as_of_month,
    as_of.as_of_month_start
from latest_active
cross join as_of
