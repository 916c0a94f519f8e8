-- Every namespace with its ultimate parent (docs/data-contract.md §4: billing and plan
-- belong to the ultimate parent). parent_id is followed to the top; a parent that
-- does not exist ends the walk at the last namespace found; 50 hops at most guard
-- against cycles.
with recursive namespaces as (
    select
        id,
        parent_id
    from {{ ref('stg_gitlab_dotcom__namespaces') }}
),

walk (namespace_id, current_namespace_id, namespace_depth) as (
    select
        id,
        id,
        0
    from namespaces

    union all

    select
        walk.namespace_id,
        parent.id,
        walk.namespace_depth + 1
    from walk
    inner join namespaces as child
        on child.id = walk.current_namespace_id
    inner join namespaces as parent
        on parent.id = child.parent_id
    where walk.namespace_depth < 50
        and parent.id <> child.id
)

select
    walk.namespace_id,
    namespaces.parent_id,
    walk.current_namespace_id as ultimate_parent_namespace_id,
    walk.namespace_depth,
    walk.namespace_id = walk.current_namespace_id as is_ultimate_parent
from walk
inner join namespaces
    on namespaces.id = walk.namespace_id
qualify row_number() over (partition by walk.namespace_id order by walk.namespace_depth desc) = 1
