-- One row per surviving Salesforce account (marts.dim_crm_account): the account's
-- latest month of paid usage from the monthly mart, summed over its subscriptions
-- and installations/namespaces, for the Salesforce export. Accounts without paid
-- usage keep their row with subscription_count 0 and NULL metrics.
-- Company-level numbers only: no e-mail addresses or person names.
{#- The metrics sent to Salesforce: the catalog's metrics whose `exports` name
    salesforce_account_usage (dbt_project/models/metric_catalog.yml). -#}
{%- set key_metrics = metric_catalog(source='service_ping', export='salesforce_account_usage') | map(attribute='column') | list %}

with accounts as (
    select dim_crm_account_id
    from {{ ref('dim_crm_account') }}
),

usage as (
    select *
    from {{ ref('mart_product_usage_paid_user_metrics_monthly') }}
    where dim_crm_account_id is not null
),

latest_month as (
    select
        dim_crm_account_id,
        max(snapshot_month) as snapshot_month
    from usage
    group by 1
),

latest_usage as (
    select usage.*
    from usage
    inner join latest_month
        on latest_month.dim_crm_account_id = usage.dim_crm_account_id
        and latest_month.snapshot_month = usage.snapshot_month
),

-- license_user_count repeats on every installation row of a subscription: once each
seats_per_subscription as (
    select
        dim_crm_account_id,
        dim_subscription_id_original,
        max(license_user_count) as licensed_seats
    from latest_usage
    group by 1, 2
),

seats as (
    select
        dim_crm_account_id,
        count(*) as subscription_count,
        sum(licensed_seats) as licensed_seats
    from seats_per_subscription
    group by 1
),

latest_totals as (
    select
        dim_crm_account_id,
        max(snapshot_month) as snapshot_month,
        sum(billable_user_count) as billable_user_count,
        sum(active_user_count) as active_user_count,
        max(case when deployment_type = 'GitLab.com' then 1 else 0 end) as has_gitlab_com,
        max(case when deployment_type = 'Self-Managed' then 1 else 0 end) as has_self_managed,
        count(distinct dim_installation_id) as installation_count,
        count(distinct dim_namespace_id) as namespace_count,
        {%- for metric in key_metrics %}
        sum({{ metric }}) as {{ metric }}{{ ',' if not loop.last }}
        {%- endfor %}
    from latest_usage
    group by 1
),

last_ping as (
    select
        dim_crm_account_id,
        max(cast(ping_created_at as date)) as last_ping_date
    from usage
    group by 1
)

select
    accounts.dim_crm_account_id,
    latest_totals.snapshot_month,
    coalesce(seats.subscription_count, 0) as subscription_count,
    seats.licensed_seats,
    latest_totals.billable_user_count,
    latest_totals.active_user_count,
    cast(latest_totals.billable_user_count as {{ dbt.type_float() }})
        / nullif(cast(seats.licensed_seats as {{ dbt.type_float() }}), 0) as license_utilization,
    case
        when latest_totals.has_gitlab_com = 1 and latest_totals.has_self_managed = 1 then 'GitLab.com;Self-Managed'
        when latest_totals.has_gitlab_com = 1 then 'GitLab.com'
        when latest_totals.has_self_managed = 1 then 'Self-Managed'
    end as deployment_types,
    latest_totals.installation_count,
    latest_totals.namespace_count,
    last_ping.last_ping_date,
    {%- for metric in key_metrics %}
    latest_totals.{{ metric }}{{ ',' if not loop.last }}
    {%- endfor %}
from accounts
left join seats
    on seats.dim_crm_account_id = accounts.dim_crm_account_id
left join latest_totals
    on latest_totals.dim_crm_account_id = accounts.dim_crm_account_id
left join last_ping
    on last_ping.dim_crm_account_id = accounts.dim_crm_account_id
