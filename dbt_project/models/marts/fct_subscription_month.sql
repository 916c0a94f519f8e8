-- Paid subscription lineages x the months they are in effect (docs/data-contract.md §4
-- "Subscription in effect" and "Months and seats"), up to the AS_OF month: the
-- spine of the monthly mart. One row per lineage per month with the version that
-- counts (latest Active/Cancelled), the Zuora seats in effect that month, and for
-- GitLab.com the namespace: the subscription's namespace_id, else the namespace of
-- a `Paid All Matching` order, rolled up to its ultimate parent (NULL when neither
-- is an existing namespace). `arr` = 12 x the MRR of the same in-effect Recurring
-- charges (data-contract §6 "ARR"; 0 when none is in effect). Small (Zuora-sized), so rebuilt whole on every run.
-- A mart, not an intermediate (it was int_subscription_months): it reads the marts that
-- own namespaces, the order bridge and billing accounts, and layers only look down.
with lineages as (
    select *
    from {{ ref('int_subscription_lineage') }}
    where is_paid
),

as_of as (
    select {{ month_of(as_of_date()) }} as as_of_month
),

months as (
    {{ month_spine(
        "(select min(" ~ month_of('subscription_start_date') ~ ") from " ~ ref('int_subscription_lineage') ~ " where is_paid)",
        "(select as_of_month from as_of)"
    ) }}
),

lineage_months as (
    select
        months.month_start as snapshot_month,
        lineages.*
    from lineages
    inner join months
        on lineages.subscription_start_date <= {{ last_day_of_month('months.month_start') }}
        and (lineages.subscription_end_date is null or lineages.subscription_end_date > months.month_start)
),

recurring_charges as (
    select
        rate_plan.subscription_id,
        charge.quantity,
        charge.mrr,
        cast(charge.effective_start_month as date) as effective_start_month,
        cast(charge.effective_end_month as date) as effective_end_month
    from {{ ref('stg_zuora__rate_plan_charge') }} as charge
    inner join {{ ref('stg_zuora__rate_plan') }} as rate_plan
        on rate_plan.id = charge.rate_plan_id
    where charge.charge_type = 'Recurring'
),

seats as (
    select
        lineage_months.dim_subscription_id_original,
        lineage_months.snapshot_month,
        cast(round(sum(recurring_charges.quantity), 0) as {{ dbt.type_bigint() }}) as zuora_licensed_seats,
        12 * sum(coalesce(recurring_charges.mrr, 0)) as arr
    from lineage_months
    inner join recurring_charges
        on recurring_charges.subscription_id = lineage_months.dim_subscription_id
        and recurring_charges.effective_start_month <= lineage_months.snapshot_month
        and (recurring_charges.effective_end_month is null
            or recurring_charges.effective_end_month > lineage_months.snapshot_month)
    group by 1, 2
),

namespaces as (
    select
        dim_namespace_id,
        ultimate_parent_namespace_id
    from {{ ref('dim_namespace') }}
),

order_namespaces as (
    select
        dim_subscription_id_original,
        min(dim_namespace_id) as order_namespace_id
    from {{ ref('bdg_namespace_order_subscription') }}
    where match_status = 'Paid All Matching'
        and dim_namespace_id is not null
    group by 1
),

lineage_namespace as (
    select
        lineages.dim_subscription_id_original,
        coalesce(subscription_namespace.ultimate_parent_namespace_id, order_namespace.ultimate_parent_namespace_id)
            as dim_namespace_id
    from lineages
    left join order_namespaces
        on order_namespaces.dim_subscription_id_original = lineages.dim_subscription_id_original
    left join namespaces as subscription_namespace
        on subscription_namespace.dim_namespace_id = lineages.namespace_id
    left join namespaces as order_namespace
        on order_namespace.dim_namespace_id = order_namespaces.order_namespace_id
    where lineages.deployment_type = 'GitLab.com'
),

billing_accounts as (
    select
        dim_billing_account_id,
        dim_crm_account_id
    from {{ ref('dim_billing_account') }}
)

select
    lineage_months.snapshot_month,
    lineage_months.dim_subscription_id_original,
    lineage_months.dim_subscription_id,
    lineage_months.subscription_name,
    lineage_months.subscription_status,
    lineage_months.deployment_type,
    lineage_months.product_tier,
    lineage_months.subscription_start_date,
    lineage_months.subscription_end_date,
    lineage_months.dim_billing_account_id,
    billing_accounts.dim_crm_account_id,
    lineage_namespace.dim_namespace_id,
    seats.zuora_licensed_seats,
    cast(coalesce(seats.arr, 0) as {{ type_double() }}) as arr,
    lineage_months.snapshot_month = as_of.as_of_month as is_as_of_month
from lineage_months
cross join as_of
left join seats
    on seats.dim_subscription_id_original = lineage_months.dim_subscription_id_original
    and seats.snapshot_month = lineage_months.snapshot_month
left join lineage_namespace
    on lineage_namespace.dim_subscription_id_original = lineage_months.dim_subscription_id_original
left join billing_accounts
    on billing_accounts.dim_billing_account_id = lineage_months.dim_billing_account_id
where lineage_months.snapshot_month <= as_of.as_of_month
