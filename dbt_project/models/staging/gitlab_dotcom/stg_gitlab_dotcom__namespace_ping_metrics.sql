with source as (
    select * from {{ source('gitlab_dotcom', 'namespace_ping_metrics') }}
)

select
    cast(namespace_id as {{ dbt.type_bigint() }}) as namespace_id,
    trim(metric_path) as metric_path,
    counter_value,
    ping_date
from source
