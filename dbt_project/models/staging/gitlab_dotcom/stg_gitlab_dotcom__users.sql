with source as (
    select * from {{ source('gitlab_dotcom', 'users') }}
)

select
    cast(id as {{ dbt.type_bigint() }}) as id,
    state,
    user_type,
    created_at,
    user_type is null as is_human
from source
