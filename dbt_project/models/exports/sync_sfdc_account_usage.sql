-- One row per surviving Salesforce account (marts.dim_crm_account) for the
-- Salesforce export, following docs/data-contract.md "Exports" (nothing is
-- blanked out):
--   * the account's subscription lineages are those in effect in the AS_OF month
--     (each has a mart row that month); ended lineages contribute nothing;
--   * each lineage contributes its usage from its latest month with data
--     (is_data_in_subscription_month) up to AS_OF, its `last_data_month`, so a
--     month that has not reported yet never overwrites good values with NULL;
--   * seats and ARR are those of the AS_OF month; a lineage with no data at all
--     contributes seats and ARR only.
-- Accounts without a lineage in effect keep their row (subscription_count 0,
-- NULL usage). Company-level numbers only: no e-mail addresses or person names.
{#- The metrics sent to Salesforce: the catalog's metrics whose `exports` name
    salesforce_account_usage (dbt_project/models/metric_catalog.yml). -#}
{%- set key_metrics = metric_catalog(source='service_ping', export='salesforce_account_usage') | map(attribute='column') | list %}
{#- Health (docs/data-contract.md §6): the account's ARR-weighted scores over its
    lineages' health rows in their last_data_month (not the AS_OF month, so a
    colour is not blanked while a month has not reported), coloured by the
    overall bands of models/health_score_bands.yml. -#}
{%- set bands = health_score_bands() %}
{%- set health_scores = [] %}
{%- for measure in bands.measures %}{% do health_scores.append(measure.name ~ '_score') %}{% endfor %}
{%- do health_scores.append('overall_score') %}

with accounts as (
    select dim_crm_account_id
    from {{ ref('dim_crm_account') }}
),

as_of as (
    select {{ month_of(as_of_date()) }} as as_of_month
),

usage as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
),

-- lineages in effect in the AS_OF month, with that month's account and seats
-- (license_user_count repeats on every installation row of a lineage: once each)
lineages_in_effect as (
    select
        usage.dim_subscription_id_original,
        max(usage.dim_crm_account_id) as dim_crm_account_id,
        max(usage.deployment_type) as deployment_type,
        max(usage.license_user_count) as licensed_seats
    from usage
    inner join as_of
        on usage.snapshot_month = as_of.as_of_month
    where usage.dim_crm_account_id is not null
    group by 1
),

lineage_arr as (
    select
        dim_subscription_id_original,
        max(arr) as arr
    from {{ ref('int_subscription_arr') }}
    group by 1
),

last_data as (
    select
        usage.dim_subscription_id_original,
        max(usage.snapshot_month) as last_data_month
    from usage
    inner join lineages_in_effect
        on lineages_in_effect.dim_subscription_id_original = usage.dim_subscription_id_original
    cross join as_of
    where usage.is_data_in_subscription_month
        and usage.snapshot_month <= as_of.as_of_month
    group by 1
),

-- The rows whose usage is summed: each lineage's rows with data in its
-- last_data_month, attributed to the lineage's AS_OF account.
-- Primary installations only (docs/data-contract.md §6/§8): one row per lineage
-- and month, so a staging server does not double an account's usage.
counted_rows as (
    select
        lineages_in_effect.dim_crm_account_id as account_id,
        last_data.last_data_month,
        usage.*
    from usage
    inner join last_data
        on last_data.dim_subscription_id_original = usage.dim_subscription_id_original
        and last_data.last_data_month = usage.snapshot_month
    inner join lineages_in_effect
        on lineages_in_effect.dim_subscription_id_original = usage.dim_subscription_id_original
    where usage.is_data_in_subscription_month
        and usage.is_primary_installation
),

health_rows as (
    select
        lineages_in_effect.dim_crm_account_id,
        coalesce(lineage_arr.arr, 0) as arr,
        health.*
    from {{ ref('rpt_product_usage_health_score') }} as health
    inner join last_data
        on last_data.dim_subscription_id_original = health.dim_subscription_id_original
        and last_data.last_data_month = health.snapshot_month
    inner join lineages_in_effect
        on lineages_in_effect.dim_subscription_id_original = health.dim_subscription_id_original
    left join lineage_arr
        on lineage_arr.dim_subscription_id_original = health.dim_subscription_id_original
),

health as (
    select
        dim_crm_account_id
        {%- for score in health_scores %},
        {{ arr_weighted_mean(score) }} as {{ score }}
        {%- endfor %}
    from health_rows
    group by 1
),

seats as (
    select
        lineages_in_effect.dim_crm_account_id,
        count(*) as subscription_count,
        sum(lineages_in_effect.licensed_seats) as licensed_seats,
        sum(coalesce(lineage_arr.arr, 0)) as arr,
        max(case when lineages_in_effect.deployment_type = 'GitLab.com' then 1 else 0 end) as has_gitlab_com,
        max(case when lineages_in_effect.deployment_type = 'Self-Managed' then 1 else 0 end) as has_self_managed
    from lineages_in_effect
    left join lineage_arr
        on lineage_arr.dim_subscription_id_original = lineages_in_effect.dim_subscription_id_original
    group by 1
),

usage_totals as (
    select
        account_id as dim_crm_account_id,
        max(last_data_month) as last_data_month,
        sum(billable_user_count) as billable_user_count,
        sum(active_user_count) as active_user_count,
        count(distinct dim_installation_id) as installation_count,
        count(distinct dim_namespace_id) as namespace_count,
        max(cast(ping_created_at as date)) as last_ping_date,
        {%- for metric in key_metrics %}
        sum({{ metric }}) as {{ metric }}{{ ',' if not loop.last }}
        {%- endfor %}
    from counted_rows
    group by 1
)

select
    accounts.dim_crm_account_id,
    case when seats.dim_crm_account_id is not null then as_of.as_of_month end as snapshot_month,
    usage_totals.last_data_month,
    coalesce(seats.subscription_count, 0) as subscription_count,
    seats.licensed_seats,
    seats.arr,
    usage_totals.billable_user_count,
    usage_totals.active_user_count,
    cast(usage_totals.billable_user_count as {{ type_double() }})
        / nullif(cast(seats.licensed_seats as {{ type_double() }}), 0) as license_utilization,
    case
        when seats.has_gitlab_com = 1 and seats.has_self_managed = 1 then 'GitLab.com;Self-Managed'
        when seats.has_gitlab_com = 1 then 'GitLab.com'
        when seats.has_self_managed = 1 then 'Self-Managed'
    end as deployment_types,
    usage_totals.installation_count,
    usage_totals.namespace_count,
    usage_totals.last_ping_date,
    {%- for metric in key_metrics %}
    usage_totals.{{ metric }},
    {%- endfor %}
    cast(health.overall_score as {{ type_double() }}) as health_score
    {%- for score in health_scores %},
    {{ health_band_color(bands.overall.bands, 'health.' ~ score) }} as {{ 'health' if score == 'overall_score' else score[:-6] }}_color
    {%- endfor %}
from accounts
cross join as_of
left join seats
    on seats.dim_crm_account_id = accounts.dim_crm_account_id
left join usage_totals
    on usage_totals.dim_crm_account_id = accounts.dim_crm_account_id
left join health
    on health.dim_crm_account_id = accounts.dim_crm_account_id
