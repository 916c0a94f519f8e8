-- Every broken link between two source systems, one row per defect x entity
-- (data-contract §7): the bridge rows whose match status is a defect, orders and
-- customers that name nothing in Zuora, Self-Managed orders without a license,
-- licenses without a valid subscription, pings whose license or subscription is
-- unknown, and billing accounts whose crm_id resolves to no surviving Salesforce
-- account. dim_subscription_id_original is the lineage the entity stands for when
-- it can be told (the same reading as rpt_integration_coverage's unmapped_arr:
-- its subscription, else its subscription name); arr is that lineage's ARR in the
-- AS_OF month (int_subscription_arr), 0 when none. An entity that stands for
-- several lineages keeps the one with the most ARR (then the lowest id), so the
-- grain stays one row per entity. A billing account's arr is the sum over its
-- lineages. is_linked_otherwise marks rows whose usage still reaches the lineage by
-- another key (a ping with an unknown license_md5 but a valid license_subscription_id).
with lineage_arr as (
    select
        dim_subscription_id_original,
        arr
    from {{ ref('int_subscription_arr') }}
),

lineage_by_name as (
    select distinct
        name as subscription_name,
        original_id
    from {{ ref('stg_zuora__subscription') }}
),

orders as (
    select
        orders.*,
        coalesce(orders.dim_subscription_id_original, lineage_by_name.original_id) as lineage_id
    from {{ ref('int_orders') }} as orders
    left join lineage_by_name
        on lineage_by_name.subscription_name = orders.subscription_name
),

namespace_lineages as (
    select
        namespaces.ultimate_parent_namespace_id as namespace_id,
        lineages.dim_subscription_id_original as lineage_id
    from {{ ref('int_subscription_lineage') }} as lineages
    inner join {{ ref('dim_namespace') }} as namespaces
        on namespaces.dim_namespace_id = lineages.namespace_id
),

licenses as (
    select
        licenses.*,
        coalesce(licenses.dim_subscription_id_original, lineage_by_name.original_id) as lineage_id
    from {{ ref('int_license_subscription') }} as licenses
    left join lineage_by_name
        on lineage_by_name.subscription_name = licenses.zuora_subscription_name
    where not licenses.trial
),

license_names as (
    select distinct zuora_subscription_name
    from {{ ref('int_license_subscription') }}
    where zuora_subscription_name is not null
),

pings as (
    select
        pings.dim_ping_id,
        pings.dim_license_id,
        pings.dim_subscription_id,
        pings.dim_subscription_id_original,
        licenses.lineage_id as license_lineage_id
    from {{ ref('int_ping_subscription') }} as pings
    left join (
        select
            licenses.dim_license_id,
            coalesce(licenses.dim_subscription_id_original, lineage_by_name.original_id) as lineage_id
        from {{ ref('int_license_subscription') }} as licenses
        left join lineage_by_name
            on lineage_by_name.subscription_name = licenses.zuora_subscription_name
    ) as licenses
        on licenses.dim_license_id = pings.dim_license_id
    where pings.license_md5 is not null
),

bridge as (
    select
        bridge.*,
        case bridge.match_status
            when 'Order Namespace Not Found' then 'order_namespace_not_found'
            when 'Order Linked to Non-Ultimate Parent Namespace' then 'order_linked_to_non_ultimate_parent_namespace'
            when 'Paid Order Missing Namespace Assignment' then 'paid_order_missing_namespace_assignment'
            when 'Free Order Missing Namespace Assignment' then 'free_order_missing_namespace_assignment'
            when 'Paid Namespace Missing Zuora Subscription' then 'paid_namespace_missing_zuora_subscription'
            when 'Paid Namespace Missing Order' then 'paid_namespace_missing_order'
            when 'Trial Namespace Missing Order' then 'trial_namespace_missing_order'
            when 'Paid Subscription Missing Order' then 'paid_subscription_missing_order'
        end as defect
    from {{ ref('bdg_namespace_order_subscription') }} as bridge
),

candidates as (
    -- bridge statuses 1-5 and 8-10: the row's first non-NULL of order, namespace, subscription
    select
        case when bridge.defect = 'paid_namespace_missing_zuora_subscription'
            then 'customers_zuora' else 'gitlab_customers' end as integration,
        bridge.defect,
        case
            when bridge.order_id is not null then 'order'
            when bridge.dim_namespace_id is not null then 'namespace'
            else 'subscription'
        end as entity_type,
        case
            when bridge.order_id is not null then cast(bridge.order_id as {{ dbt.type_string() }})
            when bridge.dim_namespace_id is not null then cast(bridge.dim_namespace_id as {{ dbt.type_string() }})
            else bridge.dim_subscription_id
        end as entity_id,
        case
            when bridge.order_id is not null then orders.lineage_id
            when bridge.dim_namespace_id is not null then namespace_lineages.lineage_id
            else bridge.dim_subscription_id_original
        end as lineage_id,
        false as is_linked_otherwise
    from bridge
    left join orders
        on orders.order_id = bridge.order_id
    left join namespace_lineages
        on bridge.order_id is null
        and namespace_lineages.namespace_id = bridge.dim_namespace_id
    where bridge.defect is not null

    union all

    select
        'customers_zuora',
        'order_subscription_not_in_zuora',
        'order',
        cast(order_id as {{ dbt.type_string() }}),
        lineage_id,
        false
    from orders
    where not trial
        and subscription_id is not null
        and not is_subscription_in_zuora

    union all

    select
        'customers_zuora',
        'customer_zuora_account_not_in_zuora',
        'customer',
        cast(customers.id as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        false
    from {{ ref('stg_customers_db__customers') }} as customers
    left join {{ ref('stg_zuora__account') }} as billing
        on billing.id = customers.zuora_account_id
    where customers.zuora_account_id is not null
        and billing.id is null

    union all

    select
        'customers_license',
        'sm_order_without_license',
        'order',
        cast(orders.order_id as {{ dbt.type_string() }}),
        orders.lineage_id,
        false
    from orders
    left join license_names
        on license_names.zuora_subscription_name = orders.subscription_name
    where orders.deployment_type = 'Self-Managed'
        and not orders.trial
        and license_names.zuora_subscription_name is null

    union all

    select
        'license_zuora',
        case when zuora_subscription_id is null
            then 'license_missing_subscription_id' else 'license_subscription_not_in_zuora' end,
        'license',
        cast(dim_license_id as {{ dbt.type_string() }}),
        lineage_id,
        false
    from licenses
    where not is_license_subscription_id_valid

    union all

    -- the lineage is known when the ping's own license_subscription_id maps it; its
    -- usage then still reaches the lineage (is_linked_otherwise)
    select
        'license_version',
        'ping_license_unknown',
        'ping',
        cast(dim_ping_id as {{ dbt.type_string() }}),
        dim_subscription_id_original,
        dim_subscription_id is not null
    from pings
    where dim_license_id is null

    union all

    select
        'license_version',
        'ping_unmapped_to_subscription',
        'ping',
        cast(dim_ping_id as {{ dbt.type_string() }}),
        license_lineage_id,
        false
    from pings
    where dim_license_id is not null
        and dim_subscription_id is null
),

one_lineage_per_entity as (
    select
        candidates.integration,
        candidates.defect,
        candidates.entity_type,
        candidates.entity_id,
        candidates.lineage_id as dim_subscription_id_original,
        coalesce(lineage_arr.arr, 0) as arr,
        candidates.is_linked_otherwise
    from candidates
    left join lineage_arr
        on lineage_arr.dim_subscription_id_original = candidates.lineage_id
    qualify row_number() over (
        partition by candidates.defect, candidates.entity_type, candidates.entity_id
        order by coalesce(lineage_arr.arr, 0) desc, candidates.lineage_id
    ) = 1
),

unresolved_billing_accounts as (
    select
        'zuora_sfdc' as integration,
        'billing_account_crm_unresolved' as defect,
        'billing_account' as entity_type,
        billing.dim_billing_account_id as entity_id,
        cast(null as {{ dbt.type_string() }}) as dim_subscription_id_original,
        coalesce(sum(lineage_arr.arr), 0) as arr,
        false as is_linked_otherwise
    from {{ ref('dim_billing_account') }} as billing
    left join {{ ref('int_subscription_lineage') }} as lineages
        on lineages.dim_billing_account_id = billing.dim_billing_account_id
    left join lineage_arr
        on lineage_arr.dim_subscription_id_original = lineages.dim_subscription_id_original
    where billing.crm_id is not null
        and billing.dim_crm_account_id is null
    group by 1, 2, 3, 4, 5, 7
),

defects as (
    select * from one_lineage_per_entity
    union all
    select * from unresolved_billing_accounts
)

select
    {{ hash_key(['defect', 'entity_type', 'entity_id']) }} as integration_defect_id,
    integration,
    defect,
    entity_type,
    entity_id,
    dim_subscription_id_original,
    cast(arr as {{ type_double() }}) as arr,
    is_linked_otherwise,
    {{ as_of_date() }} as as_of_date
from defects
