-- Deleted Zuora rows are dropped here (docs/data-contract.md: outputs are over not-deleted rows).
with source as (
    select * from {{ source('zuora', 'account') }}
)

select
    id,
    account_number,
    name,
    nullif(trim(crm_id), '') as crm_id,
    status,
    currency,
    parent_id,
    created_date,
    updated_date,
    deleted,
    {{ sfdc_id_18('crm_id') }} as crm_id_18
from source
where not coalesce(deleted, false)
