-- One row per row of the monthly paid-user mart (its primary_key), for the
-- Gainsight export: identifiers, seats (wave 1) and every telemetry metric of the
-- metric catalog exported to Gainsight (its `exports:`; a new wave reaches Gainsight with no edit here).
-- Columns are listed, never `select *`, so nothing personal (e-mail addresses,
-- person names, user-namespace names) can slip in from the mart.
{%- set metrics = metric_catalog(source='service_ping', export='gainsight_subscription_usage') %}
{%- set bands = health_score_bands() %}

with usage as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
),

-- health of the lineage-month, on its primary row only (docs/data-contract.md §6)
health as (
    select *
    from {{ ref('rpt_product_usage_health_score') }}
)

select
    usage.primary_key,
    usage.snapshot_month,
    usage.dim_subscription_id,
    usage.dim_subscription_id_original,
    usage.subscription_name,
    usage.deployment_type,
    usage.product_tier,
    usage.dim_namespace_id,
    usage.uuid,
    usage.hostname,
    usage.dim_installation_id,
    usage.installation_type,
    usage.is_primary_installation,
    usage.dim_billing_account_id,
    usage.dim_crm_account_id,
    usage.ping_created_at,
    usage.license_user_count,
    usage.license_user_count_source,
    usage.billable_user_count,
    usage.active_user_count,
    usage.max_historical_user_count,
    usage.license_utilization,
    {%- for metric in metrics %}
    usage.{{ metric.column }},
    {%- endfor %}
    usage.is_data_in_subscription_month,
    usage.is_latest_data,
    usage.has_seat_link_in_month,
    usage.seat_link_report_date,
    usage.seat_link_active_user_count,
    usage.seat_link_license_user_count,
    usage.seat_link_max_historical_user_count,
    {%- for measure in bands.measures %}
    health.{{ measure.name }}_score,
    health.{{ measure.name }}_color,
    {%- endfor %}
    health.overall_score,
    health.overall_color
from usage
left join health
    on health.primary_key = usage.primary_key
