-- A calendar from 2010-01-01 to the end of the year after AS_OF, built from a
-- digits cross join so it runs unchanged on DuckDB and Snowflake.
with digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

numbers as (
    select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

bounds as (
    select
        cast('2010-01-01' as date) as first_day,
        cast({{ dbt.dateadd('year', 2, dbt.date_trunc('year', as_of_date())) }} as date) as end_exclusive,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as as_of_month
),

days as (
    select
        cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as date_day,
        bounds.end_exclusive,
        bounds.as_of_month
    from numbers
    cross join bounds
)

select
    date_day,
    cast(extract(year from date_day) * 10000 + extract(month from date_day) * 100 + extract(day from date_day) as {{ dbt.type_bigint() }}) as date_id,
    cast(extract(year from date_day) as {{ dbt.type_bigint() }}) as calendar_year,
    cast(extract(quarter from date_day) as {{ dbt.type_bigint() }}) as calendar_quarter,
    cast(extract(month from date_day) as {{ dbt.type_bigint() }}) as calendar_month,
    cast({{ dbt.date_trunc('year', 'date_day') }} as date) as first_day_of_year,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as first_day_of_month,
    {{ last_day_of_month('date_day') }} as last_day_of_month,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) = as_of_month as is_as_of_month
from days
where date_day < end_exclusive
