-- Surviving Salesforce accounts with their ultimate parent: parent_id is followed
-- to the top, each hop first resolved through the merge map (a parent that was
-- merged is replaced by its survivor). A parent that does not resolve ends the
-- walk; 20 hops at most guard against cycles.
with recursive survivors as (
    select
        account.account_id_18,
        parent_map.surviving_crm_account_id as parent_crm_account_id
    from {{ ref('stg_sfdc__account') }} as account
    inner join {{ ref('map_crm_account_merge') }} as own_map
        on own_map.crm_account_id = account.account_id_18
    left join {{ ref('map_crm_account_merge') }} as parent_map
        on parent_map.crm_account_id = account.parent_id_18
    where own_map.merge_resolution = 'survivor'
),

walk (crm_account_id, current_account_id, hierarchy_depth, path_length) as (
    select
        account_id_18,
        account_id_18,
        0,
        0
    from survivors

    union all

    select
        walk.crm_account_id,
        survivors.parent_crm_account_id,
        walk.hierarchy_depth + 1,
        walk.path_length + 1
    from walk
    inner join survivors
        on survivors.account_id_18 = walk.current_account_id
    where survivors.parent_crm_account_id is not null
        and survivors.parent_crm_account_id <> survivors.account_id_18
        and walk.path_length < 20
)

select
    walk.crm_account_id,
    survivors.parent_crm_account_id,
    walk.current_account_id as ultimate_parent_crm_account_id,
    walk.hierarchy_depth
from walk
inner join survivors
    on survivors.account_id_18 = walk.crm_account_id
qualify row_number() over (partition by walk.crm_account_id order by walk.hierarchy_depth desc) = 1
