with source as (
    select * from {{ source('sfdc', 'account') }}
)
select
    id as crm_account_id,
    name as crm_account_name,
    type as crm_account_type
from source
