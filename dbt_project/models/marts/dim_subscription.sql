-- Zuora subscription versions (not deleted), one row per version, with the
-- product (deployment, tier), the billing and CRM account, and the flags that
-- say which version counts: is_latest_version (highest version of the lineage)
-- and is_latest_active_version (the latest Active/Cancelled version, the one the
-- monthly mart reports).
with subscriptions as (
    select * from {{ ref('stg_zuora__subscription') }}
),

product as (
    select * from {{ ref('int_subscription_product') }}
),

lineages as (
    select * from {{ ref('int_subscription_lineage') }}
),

billing_accounts as (
    select * from {{ ref('dim_billing_account') }}
),

latest_version as (
    select
        original_id,
        id
    from subscriptions
    qualify row_number() over (
        partition by original_id
        order by version desc, updated_date desc, id desc
    ) = 1
)

select
    subscriptions.id as dim_subscription_id,
    subscriptions.original_id as dim_subscription_id_original,
    subscriptions.previous_subscription_id as dim_subscription_id_previous,
    subscriptions.name as subscription_name,
    subscriptions.version as subscription_version,
    subscriptions.status as subscription_status,
    subscriptions.account_id as dim_billing_account_id,
    subscriptions.invoice_owner_id as dim_billing_account_id_invoice_owner,
    billing_accounts.dim_crm_account_id,
    product.deployment_type,
    product.product_tier,
    product.product_rate_plan_id as dim_product_detail_id,
    coalesce(product.is_paid_tier, false) as is_paid,
    subscriptions.namespace_id,
    subscriptions.subscription_start_date,
    subscriptions.subscription_end_date,
    subscriptions.term_start_date,
    subscriptions.term_end_date,
    subscriptions.auto_renew,
    latest_version.id is not null as is_latest_version,
    lineages.dim_subscription_id is not null as is_latest_active_version,
    coalesce(lineages.is_in_effect_as_of_month, false) as is_in_effect_as_of_month,
    subscriptions.created_date,
    subscriptions.updated_date
from subscriptions
left join product
    on product.subscription_id = subscriptions.id
left join billing_accounts
    on billing_accounts.dim_billing_account_id = subscriptions.account_id
left join latest_version
    on latest_version.id = subscriptions.id
left join lineages
    on lineages.dim_subscription_id = subscriptions.id
