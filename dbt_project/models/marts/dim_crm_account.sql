-- Surviving Salesforce accounts (not deleted), keyed by the 18-character id, with
-- the ultimate parent found by following parent_id through merges to the top.
with accounts as (
    select * from {{ ref('stg_sfdc__account') }}
),

hierarchy as (
    select * from {{ ref('int_crm_account_hierarchy') }}
),

merged_in as (
    select
        surviving_crm_account_id,
        count(*) as merged_account_count
    from {{ ref('map_crm_account_merge') }}
    where merge_resolution = 'merged'
    group by 1
)

select
    hierarchy.crm_account_id as dim_crm_account_id,
    hierarchy.ultimate_parent_crm_account_id as dim_parent_crm_account_id,
    hierarchy.parent_crm_account_id,
    hierarchy.hierarchy_depth,
    accounts.name as crm_account_name,
    accounts.type as crm_account_type,
    accounts.billing_country as crm_account_billing_country,
    accounts.created_date as crm_account_created_date,
    coalesce(merged_in.merged_account_count, 0) as merged_account_count
from hierarchy
inner join accounts
    on accounts.account_id_18 = hierarchy.crm_account_id
left join merged_in
    on merged_in.surviving_crm_account_id = hierarchy.crm_account_id
