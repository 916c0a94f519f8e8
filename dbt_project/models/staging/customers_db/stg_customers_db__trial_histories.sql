with source as (
    select * from {{ source('customers_db', 'trial_histories') }}
)

select
    cast(gl_namespace_id as {{ dbt.type_bigint() }}) as gl_namespace_id,
    start_date,
    expired_on,
    created_at
from source
