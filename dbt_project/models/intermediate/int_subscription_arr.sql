-- Money at stake per subscription lineage at AS_OF: the MRR of the not-deleted
-- Recurring charges of the lineage's latest Active/Cancelled version that are in
-- effect in the AS_OF month (month(effective_start_date) <= m <
-- month(effective_end_date), NULL end = open; docs/data-contract.md §4), and ARR = 12 x
-- MRR. Feeds unmapped_arr of rpt_integration_coverage.
with lineages as (
    select * from {{ ref('int_subscription_lineage') }}
),

charges as (
    select
        rate_plan.subscription_id,
        charge.mrr,
        charge.quantity,
        charge.effective_start_month,
        charge.effective_end_month
    from {{ ref('stg_zuora__rate_plan_charge') }} as charge
    inner join {{ ref('stg_zuora__rate_plan') }} as rate_plan
        on rate_plan.id = charge.rate_plan_id
    where charge.charge_type = 'Recurring'
)

select
    lineages.dim_subscription_id_original,
    lineages.dim_subscription_id,
    lineages.as_of_month_start,
    coalesce(sum(charges.mrr), 0) as mrr,
    12 * coalesce(sum(charges.mrr), 0) as arr,
    sum(charges.quantity) as licensed_seats
from lineages
left join charges
    on charges.subscription_id = lineages.dim_subscription_id
    and charges.effective_start_month <= lineages.as_of_month_start
    and (charges.effective_end_month is null or charges.effective_end_month > lineages.as_of_month_start)
group by 1, 2, 3
