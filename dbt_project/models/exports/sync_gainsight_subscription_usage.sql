-- One row per row of the monthly paid-user mart (its primary_key), for the
-- Gainsight export: identifiers, seats (wave 1) and every telemetry metric of the
-- metric catalog exported to Gainsight (its `exports:`; a new wave reaches Gainsight with no edit here).
-- Columns are listed, never `select *`, so nothing personal (e-mail addresses,
-- person names, user-namespace names) can slip in from the mart.
{%- set metrics = metric_catalog(source='service_ping', export='gainsight_subscription_usage') %}

with usage as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
)

select
    primary_key,
    snapshot_month,
    dim_subscription_id,
    dim_subscription_id_original,
    subscription_name,
    deployment_type,
    product_tier,
    dim_namespace_id,
    uuid,
    hostname,
    dim_installation_id,
    dim_billing_account_id,
    dim_crm_account_id,
    ping_created_at,
    license_user_count,
    license_user_count_source,
    billable_user_count,
    active_user_count,
    max_historical_user_count,
    license_utilization,
    {%- for metric in metrics %}
    {{ metric.column }},
    {%- endfor %}
    is_data_in_subscription_month,
    is_latest_data
from usage
