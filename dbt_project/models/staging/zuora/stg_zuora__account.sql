-- Deleted Zuora rows are dropped here (docs/data-contract.md: outputs are over not-deleted rows).
-- crm_id_18 is the canonical 18-character form (an 18-character id is rebuilt from
-- its first 15 characters, see macros/sfdc_id_18.sql); the two flags say why a
-- crm_id is malformed.
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
    {{ sfdc_id_18('crm_id') }} as crm_id_18,
    -- A crm_id that is not 15/18 letters and digits can name no Salesforce account.
    case when nullif(trim(crm_id), '') is not null then {{ sfdc_id_is_well_formed('crm_id') }} end
        as is_crm_id_well_formed,
    -- An 18-character crm_id whose checksum is not that of its first 15 characters.
    length(trim(crm_id)) = 18 and trim(crm_id) <> {{ sfdc_id_18('crm_id') }} as is_crm_id_checksum_mismatch
from source
where not coalesce(deleted, false)
