{#- Monthly partitions (customer_usage/dbt/assets.py passes the Dagster partition
    window as environment variables CUSTOMER_USAGE_PARTITION_START / _END, end
    exclusive: unlike --vars, a changed variable does not make dbt re-parse the
    whole project). A
    partition run builds exactly the months of its window, also when the table
    does not exist yet (it then holds just those months, as Dagster's partition
    status says). A run without the vars (plain `dbt build`) or with
    --full-refresh builds every month. -#}

{% macro is_partition_run() -%}
    {{ return(partition_bound('START') is not none
              and partition_bound('END') is not none
              and not flags.FULL_REFRESH) }}
{%- endmacro %}

{#- One bound of the window (YYYY-MM-DD), or none outside a partition run. -#}
{% macro partition_bound(which) -%}
    {%- set value = env_var('CUSTOMER_USAGE_PARTITION_' ~ which, '') -%}
    {{ return(value if value else none) }}
{%- endmacro %}

{#- A predicate keeping the rows of the window (`1 = 1` when not a partition run). -#}
{% macro in_partition_window(column) -%}
    {%- if is_partition_run() -%}
        {{ column }} >= cast('{{ partition_bound("START") }}' as date)
        and {{ column }} < cast('{{ partition_bound("END") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the monthly models: the one delete of an incremental run. It empties
    the window's months (every month outside a partition run, when the model
    rebuilds them all), and the model's rows are then appended: one delete per
    month window, so a month that lost all its rows upstream is emptied too, and
    nothing outside the window is scanned (delete+insert with a unique_key would
    delete a second time, scanning the table for the batch's months). -#}
{% macro delete_partition_window(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_partition_window(column) }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- The first day of the month of a date or timestamp, as a date. -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{#- The configuration every monthly model shares: a Dagster monthly partition (tag
    `monthly`), incremental by month: the window emptied by the pre_hook, then its
    rows appended (also works on fakesnow, whose merge fails). Use: {{ config(**monthly_partition_config('ping_month')) }} -#}
{% macro monthly_partition_config(month_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'tags': ['monthly'],
        'pre_hook': "{{ delete_partition_window('" ~ month_column ~ "') }}",
    }) }}
{%- endmacro %}
