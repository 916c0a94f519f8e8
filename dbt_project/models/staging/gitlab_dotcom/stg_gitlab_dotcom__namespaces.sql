with source as (
    select * from {{ source('gitlab_dotcom', 'namespaces') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    name,
    path,
    type,
    cast(parent_id as {{ dbt.type_bigint() }}) as parent_id,
    cast(owner_id as {{ dbt.type_bigint() }}) as owner_id,
    created_at,
    updated_at,
    parent_id is null as is_top_level
from source
