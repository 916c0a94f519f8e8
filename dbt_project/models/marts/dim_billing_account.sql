-- Zuora billing accounts (not deleted). crm_id is converted to 18 characters and
-- resolved through merges to the surviving Salesforce account; NULL when it does
-- not resolve (crm_account_resolution says why).
-- A malformed crm_id (not 15/18 letters and digits, or an 18-character id whose
-- checksum is wrong and whose 15-character prefix names no account) is
-- `malformed_crm_id`, not `unknown_crm_id`. An 18-character id with a wrong
-- checksum whose prefix names an account resolves through the prefix (the
-- prefix is the case-sensitive id; the checksum only protects it) and keeps
-- is_crm_id_checksum_mismatch = true so the source can be fixed.
with accounts as (
    select * from {{ ref('stg_zuora__account') }}
),

merge_map as (
    select * from {{ ref('map_crm_account_merge') }}
)

select
    accounts.id as dim_billing_account_id,
    accounts.account_number,
    accounts.name as billing_account_name,
    accounts.status as billing_account_status,
    accounts.currency,
    accounts.parent_id as parent_billing_account_id,
    accounts.crm_id,
    accounts.crm_id_18,
    merge_map.surviving_crm_account_id as dim_crm_account_id,
    case
        when accounts.crm_id is null then 'no_crm_id'
        when not accounts.is_crm_id_well_formed then 'malformed_crm_id'
        when merge_map.crm_account_id is null and accounts.is_crm_id_checksum_mismatch then 'malformed_crm_id'
        when merge_map.crm_account_id is null then 'unknown_crm_id'
        when merge_map.surviving_crm_account_id is null then 'unresolved_merge_or_deleted'
        when merge_map.merge_resolution = 'merged' then 'merged_resolved'
        else 'direct'
    end as crm_account_resolution,
    coalesce(accounts.is_crm_id_checksum_mismatch, false) as is_crm_id_checksum_mismatch,
    accounts.created_date,
    accounts.updated_date
from accounts
left join merge_map
    on merge_map.crm_account_id = accounts.crm_id_18
