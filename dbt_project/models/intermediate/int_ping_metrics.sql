-- One row per Service Ping with every catalog metric of source `service_ping`
-- read from its payload, each payload parsed ONCE (macros/metrics/
-- extract_ping_metrics.sql). Values are as the instance reported them: `-1`
-- (query timed out) is kept here so fct_ping_metric can flag it; absent or
-- wrongly typed values are NULL. A value that is present but unreadable is not
-- silently lost: `out_of_range_metrics` (a number too large for its column, e.g.
-- 10^22) and `wrong_type_metrics` list such metrics as ',name,name,' (NULL when
-- none); fct_ping_metric gives each a row with metric_value_issue.
-- Monthly partitioned by ping_month.
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
),

extracted as (
    select
        dim_ping_id,
        ping_created_at,
        ping_month
        {%- for metric in metrics %},
        {{ ping_metric_value('parsed_payload', metric, loop.index) }} as {{ metric.column }},
        {{ ping_metric_text('parsed_payload', metric, loop.index) }} as _text_{{ loop.index }}
        {%- endfor %}
    from parsed
)

select
    dim_ping_id,
    ping_created_at,
    ping_month
    {%- for metric in metrics %},
    {{ metric.column }}
    {%- endfor %},
    nullif(','
    {%- for metric in metrics %}
        || case when _text_{{ loop.index }} is not null and {{ metric.column }} is null
            and try_cast(_text_{{ loop.index }} as {{ type_double() }}) is not null then '{{ metric.column }},' else '' end
    {%- endfor %}, ',') as out_of_range_metrics,
    nullif(','
    {%- for metric in metrics %}
        || case when _text_{{ loop.index }} is not null and {{ metric.column }} is null
            and try_cast(_text_{{ loop.index }} as {{ type_double() }}) is null then '{{ metric.column }},' else '' end
    {%- endfor %}, ',') as wrong_type_metrics
from extracted
