-- No unique index upstream: several rows per namespace happen. The latest
-- updated_at wins (then the highest id, so the choice is deterministic).
with source as (
    select * from {{ source('gitlab_dotcom', 'gitlab_subscriptions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by namespace_id
            order by updated_at desc, id desc
        ) as row_rank,
        count(*) over (partition by namespace_id) as rows_for_namespace
    from source
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    cast(namespace_id as {{ dbt.type_bigint() }}) as namespace_id,
    cast(hosted_plan_id as {{ dbt.type_bigint() }}) as hosted_plan_id,
    seats,
    seats_in_use,
    max_seats_used,
    start_date,
    end_date,
    coalesce(trial, false) as trial,
    trial_starts_on,
    trial_ends_on,
    created_at,
    updated_at,
    rows_for_namespace - 1 as duplicate_rows_dropped
from ranked
where row_rank = 1
