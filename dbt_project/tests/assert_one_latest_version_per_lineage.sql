-- Every subscription lineage has exactly one is_latest_version row and at most
-- one is_latest_active_version row.
select
    dim_subscription_id_original,
    sum(case when is_latest_version then 1 else 0 end) as latest_versions,
    sum(case when is_latest_active_version then 1 else 0 end) as latest_active_versions
from {{ ref('dim_subscription') }}
group by 1
having sum(case when is_latest_version then 1 else 0 end) <> 1
    or sum(case when is_latest_active_version then 1 else 0 end) > 1
