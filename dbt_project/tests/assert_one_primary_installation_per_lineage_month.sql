-- data-contract §6: exactly one row per lineage x month of the monthly mart is primary.
select
    dim_subscription_id_original,
    snapshot_month,
    sum(case when is_primary_installation then 1 else 0 end) as primary_rows
from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
group by 1, 2
having sum(case when is_primary_installation then 1 else 0 end) <> 1
