{#- GitLab.com plan ids of docs/data-contract.md §2/§4, written down once. -#}
{% macro paid_plan_ids() -%}(2, 3, 4, 100, 101){%- endmacro %}
{% macro trial_plan_ids() -%}(102, 103){%- endmacro %}
