{#- The health score bands (models/health_score_bands.yml, meta of model
    dim_health_score_band) as a dict, read from dbt's graph like the metric
    catalog, so that no band is written in SQL. At parse time the graph is not
    populated: an empty configuration is returned. -#}
{% macro health_score_bands() -%}
    {%- if not execute -%}
        {{ return({'scores': {}, 'measures': [], 'overall': {'bands': []}}) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.dim_health_score_band') -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("health score bands: model dim_health_score_band (models/health_score_bands.yml) is missing") }}
    {%- endif -%}
    {%- set bands = (node.config.meta or {}).get('health_score_bands') or (node.meta or {}).get('health_score_bands') -%}
    {%- if not bands or not bands.get('measures') or not bands.get('overall') -%}
        {{ exceptions.raise_compiler_error("health score bands: models/health_score_bands.yml has no config.meta.health_score_bands with measures and overall") }}
    {%- endif -%}
    {{ return(bands) }}
{%- endmacro %}


{#- A colour from a list of bands: the first band whose bound holds. NULL ratio -> NULL. -#}
{% macro health_band_color(bands, ratio) -%}
    case
        when {{ ratio }} is null then null
        {%- for band in bands %}
        {%- if band.below is defined and band.below is not none %}
        when {{ ratio }} < {{ band.below }} then '{{ band.color }}'
        {%- elif band.at_most is defined and band.at_most is not none %}
        when {{ ratio }} <= {{ band.at_most }} then '{{ band.color }}'
        {%- else %}
        else '{{ band.color }}'
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}


{#- The colour of a measure; license_utilization picks its bands by `age` (months). -#}
{% macro health_measure_color(measure, ratio, age) -%}
    {%- if measure.by_account_age is defined and measure.by_account_age -%}
    case
        {%- for range in measure.by_account_age %}
        when {{ age }} >= {{ range.min_age }}
            {%- if range.max_age is defined and range.max_age is not none %} and {{ age }} <= {{ range.max_age }}{% endif %}
            then {{ health_band_color(range.bands, ratio) }}
        {%- endfor %}
    end
    {%- else -%}
    {{ health_band_color(measure.bands, ratio) }}
    {%- endif -%}
{%- endmacro %}


{#- The score of a colour expression (scores of the bands file). -#}
{% macro health_color_score(color) -%}
    case {{ color }}
        {%- for name, score in health_score_bands().scores.items() %}
        when '{{ name }}' then {{ score }}
        {%- endfor %}
    end
{%- endmacro %}
