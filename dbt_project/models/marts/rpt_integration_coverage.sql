-- How well the six systems join (docs/data-contract.md §4 "Integration coverage"): one row
-- per integration x measure over all not-deleted rows. Every measure is built
-- from items (one row per namespace / order / customer / license / ping / billing
-- account in the denominator) with is_covered and, where money is at stake, the
-- subscription lineage an uncovered item stands for. unmapped_arr = 12 x MRR of
-- the Recurring charges in effect in the AS_OF month of the distinct lineages
-- behind uncovered items (NULL for measures without money attached).
with namespaces as (
    select * from {{ ref('dim_namespace') }}
),

orders as (
    select * from {{ ref('int_orders') }}
),

licenses as (
    select * from {{ ref('int_license_subscription') }}
),

subscriptions as (
    select * from {{ ref('stg_zuora__subscription') }}
),

lineage_by_name as (
    select distinct
        name as subscription_name,
        original_id
    from subscriptions
),

lineage_arr as (
    select * from {{ ref('int_subscription_arr') }}
),

lineage_namespaces as (
    select
        namespaces.ultimate_parent_namespace_id as namespace_id,
        lineages.dim_subscription_id_original
    from {{ ref('int_subscription_lineage') }} as lineages
    inner join namespaces
        on namespaces.dim_namespace_id = lineages.namespace_id
),

namespaces_with_order as (
    select distinct gl_namespace_id as namespace_id
    from orders
    where not trial
        and gl_namespace_id is not null
),

paid_namespaces as (
    select
        namespaces.dim_namespace_id,
        namespaces_with_order.namespace_id is not null as is_covered
    from namespaces
    left join namespaces_with_order
        on namespaces_with_order.namespace_id = namespaces.dim_namespace_id
    where namespaces.is_ultimate_parent
        and namespaces.is_paid
),

-- the lineage an order stands for: its subscription (any version), else its subscription name
order_lineages as (
    select
        orders.*,
        coalesce(orders.dim_subscription_id_original, lineage_by_name.original_id) as lineage_id
    from orders
    left join lineage_by_name
        on lineage_by_name.subscription_name = orders.subscription_name
),

licenses_by_name as (
    select distinct
        zuora_subscription_name
    from licenses
    where zuora_subscription_name is not null
),

pings as (
    select
        ping_subscription.dim_ping_id,
        ping_subscription.license_md5,
        ping_subscription.dim_subscription_id,
        ping_subscription.dim_license_id,
        lineage_by_name.original_id as license_lineage_id
    from {{ ref('int_ping_subscription') }} as ping_subscription
    left join licenses
        on licenses.dim_license_id = ping_subscription.dim_license_id
    left join lineage_by_name
        on lineage_by_name.subscription_name = licenses.zuora_subscription_name
    where ping_subscription.license_md5 is not null
),

billing_accounts as (
    select * from {{ ref('dim_billing_account') }}
    where crm_id is not null
),

customers as (
    select
        customers.id,
        billing.id is not null as is_covered
    from {{ ref('stg_customers_db__customers') }} as customers
    left join {{ ref('stg_zuora__account') }} as billing
        on billing.id = customers.zuora_account_id
    where customers.zuora_account_id is not null
),

items as (
    select
        'gitlab_customers' as integration,
        'paid_namespaces_with_order' as measure,
        cast(paid_namespaces.dim_namespace_id as {{ dbt.type_string() }}) as item_id,
        paid_namespaces.is_covered,
        lineage_namespaces.dim_subscription_id_original as lineage_id
    from paid_namespaces
    left join lineage_namespaces
        on lineage_namespaces.namespace_id = paid_namespaces.dim_namespace_id

    union all

    select
        'gitlab_customers',
        'saas_orders_with_valid_namespace',
        cast(order_id as {{ dbt.type_string() }}),
        is_namespace_found and is_namespace_ultimate_parent,
        lineage_id
    from order_lineages
    where deployment_type = 'GitLab.com'
        and not trial

    union all

    select
        'customers_zuora',
        'orders_with_zuora_subscription',
        cast(order_id as {{ dbt.type_string() }}),
        is_subscription_in_zuora,
        lineage_id
    from order_lineages
    where not trial
        and subscription_id is not null

    union all

    select
        'customers_zuora',
        'customers_with_zuora_account',
        cast(id as {{ dbt.type_string() }}),
        is_covered,
        cast(null as {{ dbt.type_string() }})
    from customers

    union all

    select
        'customers_license',
        'sm_orders_with_license',
        cast(order_lineages.order_id as {{ dbt.type_string() }}),
        licenses_by_name.zuora_subscription_name is not null,
        order_lineages.lineage_id
    from order_lineages
    left join licenses_by_name
        on licenses_by_name.zuora_subscription_name = order_lineages.subscription_name
    where order_lineages.deployment_type = 'Self-Managed'
        and not order_lineages.trial

    union all

    select
        'license_zuora',
        'licenses_with_valid_subscription',
        cast(licenses.dim_license_id as {{ dbt.type_string() }}),
        licenses.is_license_subscription_id_valid,
        coalesce(licenses.dim_subscription_id_original, lineage_by_name.original_id)
    from licenses
    left join lineage_by_name
        on lineage_by_name.subscription_name = licenses.zuora_subscription_name
    where not licenses.trial

    union all

    select
        'license_version',
        'pings_with_known_license',
        cast(dim_ping_id as {{ dbt.type_string() }}),
        dim_license_id is not null,
        cast(null as {{ dbt.type_string() }})
    from pings

    union all

    select
        'license_version',
        'pings_mapped_to_subscription',
        cast(dim_ping_id as {{ dbt.type_string() }}),
        dim_subscription_id is not null,
        license_lineage_id
    from pings

    union all

    select
        'zuora_sfdc',
        'billing_accounts_with_crm_account',
        billing_accounts.dim_billing_account_id,
        billing_accounts.dim_crm_account_id is not null,
        lineages.dim_subscription_id_original
    from billing_accounts
    left join {{ ref('int_subscription_lineage') }} as lineages
        on lineages.dim_billing_account_id = billing_accounts.dim_billing_account_id
),

measures as (
    select
        integration,
        measure,
        count(distinct case when is_covered then item_id end) as numerator,
        count(distinct item_id) as denominator
    from items
    group by 1, 2
),

unmapped as (
    select
        affected.integration,
        affected.measure,
        sum(lineage_arr.arr) as unmapped_arr,
        count(*) as unmapped_subscriptions
    from (
        select distinct integration, measure, lineage_id
        from items
        where not is_covered
            and lineage_id is not null
    ) as affected
    inner join lineage_arr
        on lineage_arr.dim_subscription_id_original = affected.lineage_id
    where lineage_arr.arr > 0
    group by 1, 2
),

-- every measure of the contract appears, even on an empty warehouse
catalog as (
    {{ integration_coverage_catalog() }}
)

select
    catalog.integration,
    catalog.measure,
    coalesce(measures.numerator, 0) as numerator,
    coalesce(measures.denominator, 0) as denominator,
    cast(measures.numerator as {{ type_double() }}) / nullif(measures.denominator, 0) as coverage,
    case when catalog.has_money then coalesce(unmapped.unmapped_arr, 0) end as unmapped_arr,
    case when catalog.has_money then coalesce(unmapped.unmapped_subscriptions, 0) end as unmapped_subscriptions,
    {{ as_of_date() }} as as_of_date,
    catalog.sort_order
from catalog
left join measures
    on measures.integration = catalog.integration
    and measures.measure = catalog.measure
left join unmapped
    on unmapped.integration = catalog.integration
    and unmapped.measure = catalog.measure
