{#- The ARR-weighted mean of `score` over a group's non-NULL scores (docs/data-contract.md
    §6 account roll-up); when every contributing ARR is 0 the weights say nothing, so
    the plain mean. Used by the account health report and the Salesforce sync model. -#}
{% macro arr_weighted_mean(score, arr='arr') -%}
    case
        when sum(case when {{ score }} is not null then {{ arr }} else 0 end) > 0
            then sum(case when {{ score }} is not null then {{ score }} * {{ arr }} end)
                / sum(case when {{ score }} is not null then {{ arr }} else 0 end)
        else avg(cast({{ score }} as {{ type_double() }}))
    end
{%- endmacro %}
