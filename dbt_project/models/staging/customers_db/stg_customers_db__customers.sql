-- PII (email, first_name, last_name) stays in the warehouse: no export reads it.
with source as (
    select * from {{ source('customers_db', 'customers') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    email,
    first_name,
    last_name,
    company,
    country,
    nullif(trim(zuora_account_id), '') as zuora_account_id,
    nullif(trim(salesforce_account_id), '') as salesforce_account_id,
    created_at,
    updated_at,
    {{ sfdc_id_18('salesforce_account_id') }} as salesforce_account_id_18
from source
