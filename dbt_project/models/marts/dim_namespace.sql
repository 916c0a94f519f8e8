-- GitLab.com namespaces with their ultimate parent and the plan of that ultimate
-- parent (docs/data-contract.md §3/§4: billing and plan belong to the ultimate parent).
-- The plan is the ultimate parent's current gitlab_subscriptions row (latest
-- updated_at); a namespace without one is on the free plan (34).
with lineage as (
    select * from {{ ref('int_namespace_lineage') }}
),

namespaces as (
    select * from {{ ref('stg_gitlab_dotcom__namespaces') }}
),

gitlab_subscriptions as (
    select * from {{ ref('stg_gitlab_dotcom__gitlab_subscriptions') }}
),

plans as (
    select * from {{ ref('stg_gitlab_dotcom__plans') }}
),

ultimate_parent_plan as (
    select
        lineage.namespace_id,
        coalesce(gitlab_subscriptions.hosted_plan_id, 34) as gitlab_plan_id,
        gitlab_subscriptions.seats,
        gitlab_subscriptions.seats_in_use,
        gitlab_subscriptions.max_seats_used,
        gitlab_subscriptions.trial_ends_on
    from lineage
    left join gitlab_subscriptions
        on gitlab_subscriptions.namespace_id = lineage.ultimate_parent_namespace_id
)

select
    namespaces.id as dim_namespace_id,
    lineage.ultimate_parent_namespace_id,
    namespaces.parent_id as parent_namespace_id,
    lineage.namespace_depth,
    lineage.is_ultimate_parent,
    namespaces.type as namespace_type,
    namespaces.name as namespace_name,
    namespaces.path as namespace_path,
    namespaces.owner_id,
    ultimate_parent_plan.gitlab_plan_id,
    coalesce(plans.name, case when ultimate_parent_plan.gitlab_plan_id = 34 then 'free' end) as gitlab_plan_name,
    plans.title as gitlab_plan_title,
    ultimate_parent_plan.gitlab_plan_id in {{ paid_plan_ids() }} as is_paid,
    ultimate_parent_plan.gitlab_plan_id in {{ trial_plan_ids() }} as is_trial,
    ultimate_parent_plan.seats,
    ultimate_parent_plan.seats_in_use,
    ultimate_parent_plan.max_seats_used,
    ultimate_parent_plan.trial_ends_on,
    namespaces.created_at,
    namespaces.updated_at
from namespaces
inner join lineage
    on lineage.namespace_id = namespaces.id
left join ultimate_parent_plan
    on ultimate_parent_plan.namespace_id = namespaces.id
left join plans
    on plans.id = ultimate_parent_plan.gitlab_plan_id
