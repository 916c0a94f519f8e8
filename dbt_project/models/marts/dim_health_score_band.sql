-- The health score bands (data-contract §6) as a table, generated from
-- models/health_score_bands.yml (macro health_score_bands): one row per measure x
-- account-age range x band, so analysts and dashboards can read the bands the
-- scores were computed with.
{%- set config = health_score_bands() %}
{%- set rows = [] %}
{%- for measure in config.measures %}
    {%- set ranges = measure.by_account_age if (measure.by_account_age is defined and measure.by_account_age) else [{'min_age': 0, 'max_age': none, 'bands': measure.bands}] %}
    {%- for range in ranges %}
        {%- for band in range.bands %}
            {%- do rows.append({'measure': measure.name, 'ratio': measure.ratio, 'min_age': range.min_age,
                                'max_age': range.max_age if range.max_age is defined else none,
                                'order': loop.index, 'band': band}) %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
{%- for band in config.overall.bands %}
    {%- do rows.append({'measure': 'overall', 'ratio': none, 'min_age': 0, 'max_age': none, 'order': loop.index, 'band': band}) %}
{%- endfor %}


{% if rows %}
{%- for row in rows %}
select
    '{{ row.measure }}' as measure,
    {{ "'" ~ row.ratio ~ "'" if row.ratio else "cast(null as " ~ dbt.type_string() ~ ")" }} as ratio_column,
    cast({{ row.min_age }} as {{ dbt.type_int() }}) as min_account_age_months,
    cast({{ 'null' if row.max_age is none else row.max_age }} as {{ dbt.type_int() }}) as max_account_age_months,
    cast({{ row.order }} as {{ dbt.type_int() }}) as band_order,
    '{{ row.band.color }}' as color,
    cast({{ config.scores[row.band.color] }} as {{ dbt.type_int() }}) as score,
    {%- if row.band.below is defined and row.band.below is not none %}
    'below' as bound_type,
    cast({{ row.band.below }} as {{ type_double() }}) as bound
    {%- elif row.band.at_most is defined and row.band.at_most is not none %}
    'at_most' as bound_type,
    cast({{ row.band.at_most }} as {{ type_double() }}) as bound
    {%- else %}
    'otherwise' as bound_type,
    cast(null as {{ type_double() }}) as bound
    {%- endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% else %}
select
    cast(null as {{ dbt.type_string() }}) as measure,
    cast(null as {{ dbt.type_string() }}) as ratio_column,
    cast(null as {{ dbt.type_int() }}) as min_account_age_months,
    cast(null as {{ dbt.type_int() }}) as max_account_age_months,
    cast(null as {{ dbt.type_int() }}) as band_order,
    cast(null as {{ dbt.type_string() }}) as color,
    cast(null as {{ dbt.type_int() }}) as score,
    cast(null as {{ dbt.type_string() }}) as bound_type,
    cast(null as {{ type_double() }}) as bound
where 1 = 0
{% endif %}
