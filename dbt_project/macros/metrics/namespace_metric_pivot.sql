{#- GitLab.com metric rows (namespace_id, snapshot_month, metric_path, counter_value,
    ping_date, in CTE `rows`) pivoted to one row per namespace and month: per catalog
    metric the value at the metric's latest ping_date in the month (equal dates keep
    the larger value), and ping_created_at = the month's latest ping_date over all
    its rows, catalog or not. Values are counter_value as given (double).

    DuckDB: the latest date of each catalog path in ONE aggregation per namespace and
    month (a list, indexed by the path's position in the catalog), then the rows at
    those dates joined back and pivoted: two aggregations over ~200k groups at
    `medium`. Elsewhere: a window over (namespace, month, path), which DuckDB turns
    into an aggregation over every (namespace, month, path), ~6M groups keyed by
    the path's text, joined back to the rows. -#}
{% macro namespace_metric_pivot(rows, metrics) -%}
    {{ return(adapter.dispatch('namespace_metric_pivot', 'customer_usage')(rows, metrics)) }}
{%- endmacro %}

{% macro duckdb__namespace_metric_pivot(rows, metrics) -%}
    {%- set paths = [] %}
    {%- for metric in metrics %}
        {%- if metric.key_path not in paths %}{% do paths.append(metric.key_path) %}{% endif %}
    {%- endfor -%}
    with indexed as not materialized (  -- read twice: not written out in between
        select
            namespace_id,
            snapshot_month,
            ping_date,
            counter_value,
            list_position([
                {%- for path in paths %}'{{ path }}'{{ ', ' if not loop.last }}{% endfor -%}
            ], metric_path) as path_index
        from {{ rows }}
    ),

    latest as (
        select
            namespace_id,
            snapshot_month,
            max(ping_date) as ping_created_at,
            [
                {%- for path in paths %}
                max(case when path_index = {{ loop.index }} then ping_date end){{ ',' if not loop.last }}
                {%- endfor %}
            ] as latest_dates
        from indexed
        group by 1, 2
    )

    select
        latest.namespace_id,
        latest.snapshot_month,
        any_value(latest.ping_created_at) as ping_created_at
        {%- for metric in metrics %},
        max(case when indexed.path_index = {{ paths.index(metric.key_path) + 1 }} then indexed.counter_value end)
            as {{ metric.column }}
        {%- endfor %}
    from latest
    left join indexed
        on indexed.namespace_id = latest.namespace_id
        and indexed.snapshot_month = latest.snapshot_month
        and indexed.ping_date = latest.latest_dates[indexed.path_index]
    group by 1, 2
{%- endmacro %}

{% macro default__namespace_metric_pivot(rows, metrics) -%}
    select
        namespace_id,
        snapshot_month,
        max(ping_date) as ping_created_at
        {%- for metric in metrics %},
        max(case when metric_path = '{{ metric.key_path }}' and ping_date = latest_ping_date then counter_value end)
            as {{ metric.column }}
        {%- endfor %}
    from (
        select
            {{ rows }}.*,
            max(ping_date) over (partition by namespace_id, snapshot_month, metric_path) as latest_ping_date
        from {{ rows }}
    ) as dated_rows
    group by 1, 2
{%- endmacro %}
