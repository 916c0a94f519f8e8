-- One row per Service Ping with every catalog metric of source `service_ping`
-- read from its payload, each payload parsed ONCE (macros/metrics/
-- extract_ping_metrics.sql). Values are as the instance reported them: `-1`
-- (query timed out) is kept here so fct_ping_metric can flag it; absent or
-- wrongly typed values are NULL. Monthly partitioned by ping_month.
{{ config(**monthly_partition_config('ping_month')) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with pings as (
    select
        dim_ping_id,
        ping_created_at,
        {{ month_of('ping_created_at') }} as ping_month,
        payload
    from {{ ref('stg_version_db__usage_data') }}
    where {{ in_partition_window('ping_created_at') }}
),

parsed as (
    select
        dim_ping_id,
        ping_created_at,
        ping_month
        {%- if metrics %},
        {{ parse_ping_payload('payload', metrics) }} as parsed_payload
        {%- endif %}
    from pings
)

select
    dim_ping_id,
    ping_created_at,
    ping_month
    {%- for metric in metrics %},
    {{ ping_metric_value('parsed_payload', metric, loop.index) }} as {{ metric.column }}
    {%- endfor %}
from parsed
