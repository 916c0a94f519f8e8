-- Long form of the payload metrics for analysts: one row per ping x catalog
-- metric (source `service_ping`) that the payload reports. A metric absent from
-- the payload has no row; a `-1` (the instance's query timed out) has a row with
-- metric_value NULL and is_timed_out true. Settings are 1 (on) / 0 (off).
-- A metric present but unreadable is never silently NULL: it has a row with
-- metric_value NULL and metric_value_issue `out_of_range` (a number too large
-- for its column, e.g. 10^22) or `wrong_type` (e.g. a string where a count is
-- expected); `timed_out` for -1; NULL for a good value.
-- Join dim_metric on metric_name for the metric's meaning.
--
-- A view: it only reshapes int_ping_metrics (one wide row per ping, itself
-- monthly partitioned) and adds two fct_ping columns, so storing it would write
-- one row per ping x metric (15M rows at `medium`) on every build for nothing a
-- query cannot do at read time. It stays in the monthly group (tag `monthly`) with
-- its parents and always shows every month of them.
-- depends_on: {{ ref('dim_metric') }}
{{ config(materialized='view', tags=['monthly']) }}
{%- set metrics = metric_catalog(source='service_ping') %}

with ping_metrics as (
    select
        ping_metrics.*,
        pings.dim_installation_id,
        pings.dim_subscription_id_original
    from {{ ref('int_ping_metrics') }} as ping_metrics
    left join {{ ref('fct_ping') }} as pings
        on pings.dim_ping_id = ping_metrics.dim_ping_id
),

long_form as (
    {{ unpivot_ping_metrics('ping_metrics', metrics, [
        'dim_ping_id', 'dim_installation_id', 'dim_subscription_id_original', 'ping_created_at', 'ping_month',
        'out_of_range_metrics', 'wrong_type_metrics']) }}
),

flagged as (
    select
        long_form.*,
        case
            when out_of_range_metrics like '%,' || metric_name || ',%' then 'out_of_range'
            when wrong_type_metrics like '%,' || metric_name || ',%' then 'wrong_type'
        end as unreadable_issue
    from long_form
)

select
    dim_ping_id,
    dim_installation_id,
    dim_subscription_id_original,
    ping_created_at,
    ping_month,
    metric_name,
    nullif(reported_value, -1) as metric_value,
    coalesce(reported_value = -1, false) as is_timed_out,
    case when reported_value = -1 then 'timed_out' else unreadable_issue end as metric_value_issue
from flagged
where reported_value is not null or unreadable_issue is not null
