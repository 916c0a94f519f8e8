{#- The coverage measures of data-contract §4, written down once for
    rpt_integration_coverage and rpt_integration_coverage_monthly:
    (integration, measure, has_money). The list order is the report order. -#}
{% macro integration_coverage_measures() -%}
    {{ return([
        ('gitlab_customers', 'paid_namespaces_with_order', true),
        ('gitlab_customers', 'saas_orders_with_valid_namespace', true),
        ('customers_zuora', 'orders_with_zuora_subscription', true),
        ('customers_zuora', 'customers_with_zuora_account', false),
        ('customers_license', 'sm_orders_with_license', true),
        ('license_zuora', 'licenses_with_valid_subscription', true),
        ('license_version', 'pings_with_known_license', false),
        ('license_version', 'pings_mapped_to_subscription', true),
        ('zuora_sfdc', 'billing_accounts_with_crm_account', true),
    ]) }}
{%- endmacro %}

{#- The catalog as a select (integration, measure, has_money, sort_order): every
    measure appears in a report even on an empty warehouse. -#}
{% macro integration_coverage_catalog() -%}
    {%- for integration, measure, money in integration_coverage_measures() %}
    select '{{ integration }}' as integration, '{{ measure }}' as measure, {{ money }} as has_money, {{ loop.index }} as sort_order
    {%- if not loop.last %}
    union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The latest of several timestamps, NULLs ignored (Snowflake's GREATEST returns
    NULL when any argument is NULL; DuckDB's skips them). NULL only when all are. -#}
{% macro latest_present(columns) -%}
    nullif(greatest(
    {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_timestamp() }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
    ), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
{%- endmacro %}
