with source as (
    select * from {{ source('zuora', 'product') }}
)

select
    id,
    name,
    sku
from source
