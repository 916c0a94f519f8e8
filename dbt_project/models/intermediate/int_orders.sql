-- Portal orders classified per docs/data-contract.md §4 and joined to what they point at:
-- deployment (SaaS when the product rate plan is `SaaS - *`, or when there is no
-- rate plan but a gl_namespace_id), the namespace and its ultimate parent, and
-- the Zuora subscription version whose id equals subscription_id (any version,
-- not deleted).
with orders as (
    select * from {{ ref('stg_customers_db__orders') }}
),

product_rate_plans as (
    select * from {{ ref('stg_zuora__product_rate_plan') }}
),

subscriptions as (
    select * from {{ ref('stg_zuora__subscription') }}
),

namespaces as (
    select * from {{ ref('int_namespace_lineage') }}
)

select
    orders.id as order_id,
    orders.customer_id,
    orders.product_rate_plan_id,
    product_rate_plans.name as product_rate_plan_name,
    orders.subscription_id,
    orders.subscription_name,
    orders.gl_namespace_id,
    orders.quantity,
    orders.start_date,
    orders.end_date,
    orders.trial,
    orders.order_type,
    orders.order_type = 'paid' as is_paid_order,
    case
        when product_rate_plans.deployment_type is not null then product_rate_plans.deployment_type
        when orders.product_rate_plan_id is null and orders.gl_namespace_id is not null then 'GitLab.com'
        else 'Self-Managed'
    end as deployment_type,
    namespaces.namespace_id is not null as is_namespace_found,
    coalesce(namespaces.is_ultimate_parent, false) as is_namespace_ultimate_parent,
    namespaces.namespace_id as dim_namespace_id,
    namespaces.ultimate_parent_namespace_id,
    subscriptions.id as dim_subscription_id,
    subscriptions.original_id as dim_subscription_id_original,
    subscriptions.id is not null as is_subscription_in_zuora
from orders
left join product_rate_plans
    on product_rate_plans.id = orders.product_rate_plan_id
left join namespaces
    on namespaces.namespace_id = orders.gl_namespace_id
left join subscriptions
    on subscriptions.id = orders.subscription_id
