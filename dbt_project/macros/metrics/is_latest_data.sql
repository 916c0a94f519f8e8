{#- post_hook of the monthly mart: `is_latest_data` depends on other months than
    the ones a partition run rebuilds (a new month with data makes last month's
    row stale), so after every run it is recomputed over the whole table for the
    series whose value changes. A full build already computes it in SQL; then
    this update touches no row. -#}
{% macro refresh_is_latest_data(series_key='usage_series_id', month='snapshot_month', has_data='is_data_in_subscription_month') -%}
    update {{ this }}
    set is_latest_data = ({{ this }}.{{ month }} = latest.latest_month)
    from (
        select {{ series_key }} as series_key, max({{ month }}) as latest_month
        from {{ this }}
        where {{ has_data }}
        group by 1
    ) as latest
    where {{ this }}.{{ series_key }} = latest.series_key
        and {{ this }}.{{ has_data }}
        and {{ this }}.is_latest_data <> ({{ this }}.{{ month }} = latest.latest_month)
{%- endmacro %}
