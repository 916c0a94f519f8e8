-- Customer health per subscription lineage and month (data-contract §6): one row
-- per primary row of the monthly mart (is_primary_installation), so a staging
-- server never scores a customer. Each measure is a ratio to billable_user_count
-- (license_utilization: the mart's billable / licensed) scored 25/63/88 by the
-- bands of models/health_score_bands.yml (no band is written here); NULL when
-- its inputs are NULL or billable_user_count is 0 or NULL, or when the measure
-- does not apply to the deployment (user_engagement: Self-Managed only).
-- License utilization's bands depend on the account age in months: calendar
-- months from the month of the account's earliest paid lineage start to the
-- row's month (a lineage without a surviving account is its own account).
-- Monthly partitioned by snapshot_month, like the mart.
{{ config(**monthly_partition_config('snapshot_month')) }}
{%- set bands = health_score_bands() %}

with primary_rows as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
    where is_primary_installation
        and {{ in_partition_window('snapshot_month') }}
),

lineage_arr as (
    select
        dim_subscription_id_original,
        snapshot_month,
        arr
    from {{ ref('fct_subscription_month') }}
    where {{ in_partition_window('snapshot_month') }}
),

paid_lineages as (
    select
        lineages.dim_subscription_id_original,
        coalesce(billing_accounts.dim_crm_account_id, 'lineage:' || lineages.dim_subscription_id_original) as account_key,
        lineages.subscription_start_date
    from {{ ref('int_subscription_lineage') }} as lineages
    left join {{ ref('dim_billing_account') }} as billing_accounts
        on billing_accounts.dim_billing_account_id = lineages.dim_billing_account_id
    where lineages.is_paid
),

account_start as (
    select
        account_key,
        {{ month_of('min(subscription_start_date)') }} as account_start_month
    from paid_lineages
    group by 1
),

lineage_account_start as (
    select
        paid_lineages.dim_subscription_id_original,
        account_start.account_start_month
    from paid_lineages
    inner join account_start
        on account_start.account_key = paid_lineages.account_key
),

ratios as (
    select
        primary_rows.primary_key,
        primary_rows.snapshot_month,
        primary_rows.dim_subscription_id_original,
        primary_rows.dim_subscription_id,
        primary_rows.dim_crm_account_id,
        primary_rows.deployment_type,
        primary_rows.dim_installation_id,
        primary_rows.dim_namespace_id,
        primary_rows.is_data_in_subscription_month,
        primary_rows.billable_user_count,
        primary_rows.license_user_count,
        coalesce(lineage_arr.arr, 0) as arr,
        lineage_account_start.account_start_month,
        {{ dbt.datediff('lineage_account_start.account_start_month', 'primary_rows.snapshot_month', 'month') }}
            as account_age_months
        {%- for measure in bands.measures %},
        case
            when coalesce(primary_rows.billable_user_count, 0) = 0 then null
            {%- if measure.deployments is defined and measure.deployments %}
            when primary_rows.deployment_type not in ({% for d in measure.deployments %}'{{ d }}'{{ ', ' if not loop.last }}{% endfor %}) then null
            {%- endif %}
            {%- if measure.ratio == 'license_utilization' %}
            else primary_rows.license_utilization
            {%- else %}
            else cast(primary_rows.{{ measure.ratio }} as {{ type_double() }})
                / cast(primary_rows.billable_user_count as {{ type_double() }})
            {%- endif %}
        end as {{ measure.name }}_ratio
        {%- endfor %}
    from primary_rows
    left join lineage_arr
        on lineage_arr.dim_subscription_id_original = primary_rows.dim_subscription_id_original
        and lineage_arr.snapshot_month = primary_rows.snapshot_month
    left join lineage_account_start
        on lineage_account_start.dim_subscription_id_original = primary_rows.dim_subscription_id_original
),

colored as (
    select
        ratios.*
        {%- for measure in bands.measures %},
        {{ health_measure_color(measure, measure.name ~ '_ratio', 'account_age_months') }} as {{ measure.name }}_color
        {%- endfor %}
    from ratios
),

scored as (
    select
        colored.*
        {%- for measure in bands.measures %},
        {{ health_color_score(measure.name ~ '_color') }} as {{ measure.name }}_score
        {%- endfor %}
    from colored
),

overall as (
    select
        scored.*,
        {%- if bands.measures %}
        cast(
            ({% for measure in bands.measures %}coalesce({{ measure.name }}_score, 0){{ ' + ' if not loop.last }}{% endfor %})
            as {{ type_double() }}
        ) / nullif(
            {% for measure in bands.measures %}case when {{ measure.name }}_score is null then 0 else 1 end{{ ' + ' if not loop.last }}{% endfor %},
            0
        ) as overall_score
        {%- else %}
        cast(null as {{ type_double() }}) as overall_score
        {%- endif %}
    from scored
)

select
    primary_key,
    snapshot_month,
    dim_subscription_id_original,
    dim_subscription_id,
    dim_crm_account_id,
    deployment_type,
    dim_installation_id,
    dim_namespace_id,
    is_data_in_subscription_month,
    billable_user_count,
    license_user_count,
    arr,
    account_start_month,
    account_age_months,
    {%- for measure in bands.measures %}
    {{ measure.name }}_ratio,
    {{ measure.name }}_score,
    {{ measure.name }}_color,
    {%- endfor %}
    overall_score,
    {{ health_band_color(bands.overall.bands, 'overall_score') }} as overall_color
from overall
