-- Every GitLab.com order is exactly one bridge row, and every paid or trial
-- ultimate-parent namespace appears in the bridge.
with saas_orders as (
    select order_id from {{ ref('int_orders') }} where deployment_type = 'GitLab.com'
),

bridge_orders as (
    select order_id, count(*) as row_count
    from {{ ref('bdg_namespace_order_subscription') }}
    where order_id is not null
    group by 1
)

select 'order not exactly once' as problem, cast(saas_orders.order_id as {{ dbt.type_string() }}) as item
from saas_orders
left join bridge_orders on bridge_orders.order_id = saas_orders.order_id
where coalesce(bridge_orders.row_count, 0) <> 1

union all

select 'paid or trial namespace missing', cast(namespaces.dim_namespace_id as {{ dbt.type_string() }})
from {{ ref('dim_namespace') }} as namespaces
where namespaces.is_ultimate_parent
    and (namespaces.is_paid or namespaces.is_trial)
    and namespaces.dim_namespace_id not in (
        select dim_namespace_id from {{ ref('bdg_namespace_order_subscription') }} where dim_namespace_id is not null
    )
