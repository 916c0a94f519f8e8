-- Plan ids are fixed by GitLab (docs/data-contract.md §2): 34 free; 2, 3, 4, 100, 101 paid;
-- 102, 103 trial. The classification is derived here once.
with source as (
    select * from {{ source('gitlab_dotcom', 'plans') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    name,
    title,
    id in {{ paid_plan_ids() }} as is_paid,
    id in {{ trial_plan_ids() }} as is_trial
from source
