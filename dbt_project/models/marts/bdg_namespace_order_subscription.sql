-- The namespace <-> order <-> subscription bridge of docs/data-contract.md §4: a full outer
-- join of (a) paid or trial ultimate-parent namespaces, (b) GitLab.com (SaaS)
-- orders and (c) paid SaaS subscription lineages in effect in the AS_OF month.
-- Orders join namespaces on gl_namespace_id and subscriptions on subscription_id
-- (any version; a lineage counts as pointed to when any of its versions is).
-- Subgroups enter only through an order. A paid namespace without a paid order
-- (it may have a trial order) and a trial namespace without any order also get a
-- row of their own. The first rule that applies gives match_status; rules 8-10
-- describe rows without an order, so an order row no rule describes (e.g. a free
-- order on a free namespace, a trial order on a now-paid namespace) keeps NULL.
with namespaces as (
    select * from {{ ref('dim_namespace') }}
),

bridge_namespaces as (
    select *
    from namespaces
    where is_ultimate_parent
        and (is_paid or is_trial)
),

saas_orders as (
    select *
    from {{ ref('int_orders') }}
    where deployment_type = 'GitLab.com'
),

saas_subscriptions as (
    select *
    from {{ ref('int_subscription_lineage') }}
    where deployment_type = 'GitLab.com'
        and is_paid
        and is_in_effect_as_of_month
),

namespace_orders as (
    select
        gl_namespace_id as namespace_id,
        sum(case when order_type = 'paid' then 1 else 0 end) as paid_orders
    from saas_orders
    where gl_namespace_id is not null
    group by 1
),

order_rows as (
    select
        saas_orders.dim_namespace_id,
        saas_orders.gl_namespace_id as order_gl_namespace_id,
        saas_orders.order_id,
        saas_orders.order_type,
        saas_orders.dim_subscription_id,
        saas_orders.dim_subscription_id_original,
        saas_orders.is_subscription_in_zuora,
        'order' as row_source
    from saas_orders
),

namespace_rows as (
    select
        bridge_namespaces.dim_namespace_id,
        cast(null as {{ dbt.type_bigint() }}) as order_gl_namespace_id,
        cast(null as {{ dbt.type_bigint() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as order_type,
        cast(null as {{ dbt.type_string() }}) as dim_subscription_id,
        cast(null as {{ dbt.type_string() }}) as dim_subscription_id_original,
        false as is_subscription_in_zuora,
        'namespace' as row_source
    from bridge_namespaces
    left join namespace_orders
        on namespace_orders.namespace_id = bridge_namespaces.dim_namespace_id
    -- a paid namespace without a paid order, a trial namespace without any order
    where (bridge_namespaces.is_paid and coalesce(namespace_orders.paid_orders, 0) = 0)
        or (bridge_namespaces.is_trial and namespace_orders.namespace_id is null)
),

subscription_rows as (
    select
        cast(null as {{ dbt.type_bigint() }}) as dim_namespace_id,
        cast(null as {{ dbt.type_bigint() }}) as order_gl_namespace_id,
        cast(null as {{ dbt.type_bigint() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as order_type,
        saas_subscriptions.dim_subscription_id,
        saas_subscriptions.dim_subscription_id_original,
        true as is_subscription_in_zuora,
        'subscription' as row_source
    from saas_subscriptions
    where not exists (
        select 1
        from saas_orders
        where saas_orders.dim_subscription_id_original = saas_subscriptions.dim_subscription_id_original
    )
),

bridge as (
    select * from order_rows
    union all
    select * from namespace_rows
    union all
    select * from subscription_rows
),

classified as (
    select
        bridge.*,
        namespaces.dim_namespace_id is not null as is_namespace_found,
        coalesce(namespaces.is_ultimate_parent, false) as is_namespace_ultimate_parent,
        coalesce(namespaces.is_ultimate_parent and namespaces.is_paid, false) as is_paid_namespace,
        coalesce(namespaces.is_ultimate_parent and namespaces.is_trial, false) as is_trial_namespace
    from bridge
    left join namespaces
        on namespaces.dim_namespace_id = bridge.dim_namespace_id
)

select
    {{ hash_key(['row_source', 'dim_namespace_id', 'order_id', 'dim_subscription_id']) }} as bdg_namespace_order_subscription_id,
    dim_namespace_id,
    order_id,
    dim_subscription_id,
    dim_subscription_id_original,
    order_gl_namespace_id,
    order_type,
    row_source,
    is_namespace_found,
    is_namespace_ultimate_parent,
    is_paid_namespace,
    is_trial_namespace,
    is_subscription_in_zuora,
    case
        when order_id is not null and order_gl_namespace_id is not null and not is_namespace_found
            then 'Order Namespace Not Found'
        when order_id is not null and is_namespace_found and not is_namespace_ultimate_parent
            then 'Order Linked to Non-Ultimate Parent Namespace'
        when order_type = 'paid' and order_gl_namespace_id is null
            then 'Paid Order Missing Namespace Assignment'
        when order_type in ('free', 'trial') and order_gl_namespace_id is null
            then 'Free Order Missing Namespace Assignment'
        when is_paid_namespace and order_type = 'paid' and not is_subscription_in_zuora
            then 'Paid Namespace Missing Zuora Subscription'
        when is_paid_namespace and order_type = 'paid' and is_subscription_in_zuora
            then 'Paid All Matching'
        when is_trial_namespace and order_type = 'trial'
            then 'Trial All Matching'
        when is_paid_namespace and order_id is null
            then 'Paid Namespace Missing Order'
        when is_trial_namespace and order_id is null
            then 'Trial Namespace Missing Order'
        when order_id is null and dim_subscription_id is not null
            then 'Paid Subscription Missing Order'
    end as match_status
from classified
