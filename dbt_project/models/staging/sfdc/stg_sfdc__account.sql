-- Deleted and merged accounts are KEPT: merge resolution follows master_record_id
-- through them. Every id column gets its 18-character form.
with source as (
    select * from {{ source('sfdc', 'account') }}
)

select
    id,
    name,
    type,
    parent_id,
    ultimate_parent_account_id,
    master_record_id,
    coalesce(is_deleted, false) as is_deleted,
    billing_country,
    created_date,
    {{ sfdc_id_18('id') }} as account_id_18,
    {{ sfdc_id_18('parent_id') }} as parent_id_18,
    {{ sfdc_id_18('ultimate_parent_account_id') }} as ultimate_parent_account_id_18,
    {{ sfdc_id_18('master_record_id') }} as master_record_id_18
from source
