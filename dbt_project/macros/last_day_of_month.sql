{#- The last day of the month of a date expression (cross-database). -#}
{% macro last_day_of_month(date_expression) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', date_expression))) }} as date)
{%- endmacro %}
