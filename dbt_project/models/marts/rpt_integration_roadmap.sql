-- Which integration to fix first (data-contract §7): one row per defect found in
-- rpt_integration_defects, with the entities and distinct lineages it breaks and
-- the ARR at stake: each distinct lineage's ARR once, plus the arr of rows without
-- a lineage (billing accounts carry their lineages' sum). priority_rank 1 = most
-- ARR at stake; ties go to the defect touching more entities, then by name A-Z.
with defects as (
    select * from {{ ref('rpt_integration_defects') }}
),

lineage_arr as (
    select
        defect,
        sum(arr) as lineage_arr,
        sum(case when is_unlinked then arr else 0 end) as unlinked_lineage_arr
    from (
        select
            defect,
            dim_subscription_id_original,
            max(arr) as arr,
            -- the lineage is lost when any of its rows reaches it by no other key
            max(case when is_linked_otherwise then 0 else 1 end) = 1 as is_unlinked
        from defects
        where dim_subscription_id_original is not null
        group by 1, 2
    ) as distinct_lineages
    group by 1
),

per_defect as (
    select
        integration,
        defect,
        count(*) as entity_count,
        count(distinct dim_subscription_id_original) as subscription_count,
        sum(case when dim_subscription_id_original is null then arr else 0 end) as arr_without_lineage
    from defects
    group by 1, 2
)

select
    per_defect.integration,
    per_defect.defect,
    per_defect.entity_count,
    per_defect.subscription_count,
    cast(coalesce(lineage_arr.lineage_arr, 0) + per_defect.arr_without_lineage as {{ type_double() }}) as arr_at_stake,
    cast(coalesce(lineage_arr.unlinked_lineage_arr, 0) + per_defect.arr_without_lineage as {{ type_double() }}) as arr_unlinked,
    row_number() over (
        order by
            coalesce(lineage_arr.lineage_arr, 0) + per_defect.arr_without_lineage desc,
            per_defect.entity_count desc,
            per_defect.defect
    ) as priority_rank,
    {{ as_of_date() }} as as_of_date
from per_defect
left join lineage_arr
    on lineage_arr.defect = per_defect.defect
