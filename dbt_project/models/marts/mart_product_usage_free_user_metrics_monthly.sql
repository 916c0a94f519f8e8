-- Free and trial usage per month (data-contract §6): one row per snapshot_month x
-- free/trial customer entity of dim_customer that sent usage that month.
--   * installation entities (Self-Managed, pings mapped to no subscription): the
--     installation's latest ping of the month (by recorded_at, then ping id);
--   * free/trial namespace entities (GitLab.com): namespace_ping_metrics at the
--     month's latest ping_date per metric (int_namespace_metrics).
-- Same wave-2 metric columns as the paid mart (`-1` and absent -> NULL).
-- customer_type is the entity's dim_customer type (as of AS_OF): a namespace that
-- later converted to paid is not an entity here. Monthly partitioned by snapshot_month.
{{ config(**monthly_partition_config('snapshot_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with entities as (
    select
        dim_customer_id,
        customer_entity_type,
        customer_type,
        deployment_type,
        dim_namespace_id,
        dim_installation_id
    from {{ ref('dim_customer') }}
    where customer_type in ('free', 'trial')
        and customer_entity_type in ('installation', 'namespace')
),

installation_pings as (
    select
        ping_month as snapshot_month,
        dim_installation_id,
        uuid,
        hostname,
        dim_ping_id,
        ping_created_at,
        license_md5,
        active_user_count
    from {{ ref('fct_ping') }}
    where {{ in_partition_window('ping_month') }}
    qualify row_number() over (
        partition by dim_installation_id, ping_month
        order by ping_created_at desc, dim_ping_id desc
    ) = 1
),

ping_metrics as (
    select *
    from {{ ref('int_ping_metrics') }}
    where {{ in_partition_window('ping_month') }}
),

namespace_metrics as (
    select *
    from {{ ref('int_namespace_metrics') }}
    where {{ in_partition_window('snapshot_month') }}
),

installation_rows as (
    select
        installation_pings.snapshot_month,
        entities.dim_customer_id,
        entities.customer_entity_type,
        entities.customer_type,
        entities.deployment_type,
        cast(null as {{ dbt.type_bigint() }}) as dim_namespace_id,
        installation_pings.dim_installation_id,
        installation_pings.uuid,
        installation_pings.hostname,
        installation_pings.dim_ping_id,
        installation_pings.ping_created_at,
        installation_pings.license_md5 is not null as has_license,
        installation_pings.active_user_count
        {%- for metric in metrics %},
        {{ metric_clean_value('ping_metrics.' ~ metric.column, metric) }} as {{ metric.column }}
        {%- endfor %}
    from installation_pings
    inner join entities
        on entities.customer_entity_type = 'installation'
        and entities.dim_installation_id = installation_pings.dim_installation_id
    left join ping_metrics
        on ping_metrics.dim_ping_id = installation_pings.dim_ping_id
),

namespace_rows as (
    select
        namespace_metrics.snapshot_month,
        entities.dim_customer_id,
        entities.customer_entity_type,
        entities.customer_type,
        entities.deployment_type,
        namespace_metrics.dim_namespace_id,
        cast(null as {{ dbt.type_string() }}) as dim_installation_id,
        cast(null as {{ dbt.type_string() }}) as uuid,
        cast(null as {{ dbt.type_string() }}) as hostname,
        cast(null as {{ dbt.type_bigint() }}) as dim_ping_id,
        namespace_metrics.ping_created_at,
        cast(null as {{ dbt.type_boolean() }}) as has_license,
        cast(null as {{ dbt.type_bigint() }}) as active_user_count
        {%- for metric in metrics %},
        namespace_metrics.{{ metric.column }}
        {%- endfor %}
    from namespace_metrics
    inner join entities
        on entities.customer_entity_type = 'namespace'
        and entities.dim_namespace_id = namespace_metrics.dim_namespace_id
),

unioned as (
    select * from installation_rows
    union all
    select * from namespace_rows
)

select
    {{ hash_key(['snapshot_month', 'dim_customer_id']) }} as primary_key,
    unioned.*
from unioned
