{#- First days of every month from `start_month` to `end_month` (both date
    expressions, inclusive), as a select with one column `month_start`; up to
    1000 months. Cross-database: no recursive CTE, no generator function, no
    nested WITH. -#}
{% macro month_spine(start_month, end_month) -%}
    {%- set digits -%}
        (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
         union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
    {%- endset -%}
    {%- set month_expression = dbt.dateadd('month', 'ones.d + 10 * tens.d + 100 * hundreds.d', 'bounds.first_month') -%}
    select cast({{ month_expression }} as date) as month_start
    from {{ digits }} as ones
    cross join {{ digits }} as tens
    cross join {{ digits }} as hundreds
    cross join (
        select
            cast({{ start_month }} as date) as first_month,
            cast({{ end_month }} as date) as last_month
    ) as bounds
    where {{ month_expression }} <= bounds.last_month
{%- endmacro %}
