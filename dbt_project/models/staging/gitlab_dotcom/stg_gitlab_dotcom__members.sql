with source as (
    select * from {{ source('gitlab_dotcom', 'members') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    cast(source_id as {{ dbt.type_bigint() }}) as source_id,
    source_type,
    cast(user_id as {{ dbt.type_bigint() }}) as user_id,
    access_level,
    requested_at,
    created_at,
    requested_at is null as is_active_member
from source
