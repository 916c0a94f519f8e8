"""The example queries of docs/metrics.md: (title, explanation, SQL), in page order.

Each one answers a question analysts ask; customer_usage_tests/catalog/
test_docs_queries.py runs every one on a hand-made data set and checks its
answer, so a query added here needs its known answer there.
"""

MART = "marts.mart_product_usage_paid_user_metrics_monthly"

EXAMPLES = [
    (
        "Latest usage per Self-Managed installation and GitLab.com namespace",
        "One row per series (subscription x installation or namespace): its most recent month with data.",
        f"""select
    dim_subscription_id_original,
    deployment_type,
    coalesce(cast(dim_namespace_id as varchar), uuid || ' @ ' || hostname) as reported_by,
    snapshot_month,
    license_user_count,
    billable_user_count,
    license_utilization,
    ci_pipelines_28_days_user
from {MART}
where is_latest_data
order by dim_subscription_id_original, reported_by""",
    ),
    (
        "Monthly trend of one 28-day metric per subscription",
        "Installations of one subscription are added up (a person using two instances counts twice, so "
        "the sum is an upper bound). Months without data stay visible with `rows_with_data` = 0.",
        f"""select
    dim_subscription_id_original,
    snapshot_month,
    sum(case when is_data_in_subscription_month then 1 else 0 end) as rows_with_data,
    sum(umau_28_days_user) as umau_28_days_user,
    max(license_user_count) as license_user_count
from {MART}
group by dim_subscription_id_original, snapshot_month
order by dim_subscription_id_original, snapshot_month""",
    ),
    (
        "Growth of an all-time counter between two months",
        "All-time counters are cumulative: compare a series with itself month over month, never sum them "
        "across months.",
        f"""select
    usage_series_id,
    snapshot_month,
    source_code_pushes_all_time_event,
    source_code_pushes_all_time_event
        - lag(source_code_pushes_all_time_event) over (partition by usage_series_id order by snapshot_month)
        as pushes_since_previous_month_with_data
from {MART}
where is_data_in_subscription_month
order by usage_series_id, snapshot_month""",
    ),
    (
        "Metrics an instance could not compute (`-1`) in the long-form fact",
        "The mart shows `-1` as NULL; `fct_ping_metric` keeps the difference between absent (no row) and "
        "timed out (`is_timed_out`).",
        """select
    metric.stage,
    metric.metric_name,
    count(*) as pings_reporting,
    sum(case when fact.is_timed_out then 1 else 0 end) as pings_timed_out
from marts.fct_ping_metric as fact
inner join marts.dim_metric as metric
    on metric.metric_name = fact.metric_name
group by metric.stage, metric.metric_name
order by pings_timed_out desc, metric.metric_name""",
    ),
    (
        "Usage of one account over the last 6 months",
        "Replace `'Acme'` with the account's name (or filter on `dim_crm_account_id`). Per month: its paid "
        "subscriptions in effect, how many sent data, seats and usage. Seats are taken once per subscription "
        "(`license_user_count` repeats on each installation row); usage is added up over installations. "
        "A month where nothing reported shows NULL usage, not 0.",
        f"""with account_rows as (
    select mart.*
    from {MART} as mart
    inner join marts.dim_crm_account as account
        on account.dim_crm_account_id = mart.dim_crm_account_id
    where account.crm_account_name = 'Acme'
),

last_six_months as (
    select *
    from account_rows
    where snapshot_month > (select max(snapshot_month) from {MART}) - interval 6 month
),

per_subscription as (
    select
        snapshot_month,
        dim_subscription_id_original,
        max(case when is_data_in_subscription_month then 1 else 0 end) as has_data,
        max(license_user_count) as license_user_count,
        sum(billable_user_count) as billable_user_count,
        sum(umau_28_days_user) as umau_28_days_user,
        sum(ci_pipelines_28_days_user) as ci_pipelines_28_days_user
    from last_six_months
    group by snapshot_month, dim_subscription_id_original
)

select
    snapshot_month,
    count(*) as subscriptions_in_effect,
    sum(has_data) as subscriptions_with_data,
    sum(license_user_count) as license_user_count,
    sum(billable_user_count) as billable_user_count,
    sum(umau_28_days_user) as umau_28_days_user,
    sum(ci_pipelines_28_days_user) as ci_pipelines_28_days_user
from per_subscription
group by snapshot_month
order by snapshot_month""",
    ),
    (
        "Subscriptions with no data this month, and why",
        "Paid subscriptions in effect in the latest month (the AS_OF month) without a single row with data, "
        "with the likely reason: *unmapped* (nothing links usage to the subscription: no license names it, or "
        "no namespace for GitLab.com) or *not reporting* (it is linked, but no ping or namespace metric "
        "arrived this month; `last_ping_date` says when one last did). Pings that map to no subscription at "
        "all are in `fct_ping` with NULL `dim_subscription_id`.",
        f"""with this_month as (
    select max(snapshot_month) as snapshot_month
    from {MART}
),

silent as (
    select
        mart.dim_subscription_id_original,
        mart.subscription_name,
        mart.deployment_type,
        mart.dim_crm_account_id,
        max(mart.dim_namespace_id) as dim_namespace_id
    from {MART} as mart
    inner join this_month
        on this_month.snapshot_month = mart.snapshot_month
    group by 1, 2, 3, 4
    having max(case when mart.is_data_in_subscription_month then 1 else 0 end) = 0
),

licenses as (
    select dim_subscription_id_original, count(*) as licenses
    from marts.dim_license
    where dim_subscription_id_original is not null
    group by dim_subscription_id_original
),

pings as (
    select dim_subscription_id_original, max(ping_created_at) as last_ping_at
    from marts.fct_ping
    where dim_subscription_id_original is not null
    group by dim_subscription_id_original
)

select
    silent.dim_subscription_id_original,
    silent.subscription_name,
    silent.deployment_type,
    account.crm_account_name,
    case
        when silent.deployment_type = 'GitLab.com' and silent.dim_namespace_id is null
            then 'unmapped: no namespace is linked to the subscription'
        when silent.deployment_type = 'GitLab.com'
            then 'not reporting: the namespace sent no metrics this month'
        when licenses.licenses is null
            then 'unmapped: no license names the subscription'
        when pings.last_ping_at is null
            then 'not reporting: licensed, but no ping has ever mapped to it'
        else 'not reporting: last ping ' || strftime(pings.last_ping_at, '%Y-%m')
    end as reason,
    cast(pings.last_ping_at as date) as last_ping_date
from silent
left join licenses
    on licenses.dim_subscription_id_original = silent.dim_subscription_id_original
left join pings
    on pings.dim_subscription_id_original = silent.dim_subscription_id_original
left join marts.dim_crm_account as account
    on account.dim_crm_account_id = silent.dim_crm_account_id
order by silent.dim_subscription_id_original""",
    ),
    (
        "Top accounts by license utilisation",
        "Billable users over licensed seats in the latest month, per account, over the subscriptions that "
        "reported billable users (a subscription that sent nothing would otherwise look unused). Billable "
        "users of several installations of one subscription are added up.",
        f"""with per_subscription as (
    select
        dim_crm_account_id,
        dim_subscription_id_original,
        max(license_user_count) as license_user_count,
        sum(billable_user_count) as billable_user_count
    from {MART}
    where snapshot_month = (select max(snapshot_month) from {MART})
        and is_data_in_subscription_month
        and billable_user_count is not null
    group by dim_crm_account_id, dim_subscription_id_original
)

select
    account.crm_account_name,
    per_subscription.dim_crm_account_id,
    count(*) as subscriptions_reporting,
    sum(per_subscription.billable_user_count) as billable_user_count,
    sum(per_subscription.license_user_count) as license_user_count,
    round(sum(per_subscription.billable_user_count) / sum(per_subscription.license_user_count), 3)
        as license_utilization
from per_subscription
inner join marts.dim_crm_account as account
    on account.dim_crm_account_id = per_subscription.dim_crm_account_id
group by account.crm_account_name, per_subscription.dim_crm_account_id
order by license_utilization desc nulls last, account.crm_account_name
limit 10""",
    ),
    (
        "Pick one installation per subscription and month",
        "A Self-Managed subscription can have several installations (production, staging, a test server); "
        "to count a customer once, keep one row per subscription and month: the most billable users, then the "
        "latest ping, then the lowest installation id. This works on today's mart. The mart is getting "
        "`is_primary_installation` (data-contract §6), which also puts Production installations before "
        "Non-Production ones: once it is there, `where is_primary_installation` replaces the ranking.",
        f"""with ranked as (
    select
        *,
        row_number() over (
            partition by dim_subscription_id_original, snapshot_month
            order by billable_user_count desc nulls last, ping_created_at desc nulls last, dim_installation_id
        ) as installation_rank
    from {MART}
)

select
    snapshot_month,
    dim_subscription_id_original,
    deployment_type,
    hostname,
    billable_user_count,
    umau_28_days_user
from ranked
where installation_rank = 1
    and snapshot_month = (select max(snapshot_month) from {MART})
order by dim_subscription_id_original""",
    ),
    (
        "Join usage to ARR",
        "ARR (12 x the MRR of the recurring charges in effect) per subscription lineage is today in "
        "`intermediate.int_subscription_arr`, for the AS_OF month only (an intermediate table: its name may "
        "change when ARR reaches the marts). Join it on `dim_subscription_id_original`; take seats once per "
        "subscription and add usage over installations.",
        f"""with usage as (
    select
        dim_subscription_id_original,
        dim_crm_account_id,
        max(license_user_count) as license_user_count,
        sum(billable_user_count) as billable_user_count,
        sum(umau_28_days_user) as umau_28_days_user
    from {MART}
    where snapshot_month = (select max(snapshot_month) from {MART})
    group by dim_subscription_id_original, dim_crm_account_id
)

select
    account.crm_account_name,
    count(*) as subscriptions,
    sum(arr.arr) as arr,
    sum(usage.license_user_count) as license_user_count,
    sum(usage.billable_user_count) as billable_user_count,
    sum(usage.umau_28_days_user) as umau_28_days_user,
    round(sum(arr.arr) / nullif(sum(usage.umau_28_days_user), 0), 2) as arr_per_monthly_active_user
from usage
left join intermediate.int_subscription_arr as arr
    on arr.dim_subscription_id_original = usage.dim_subscription_id_original
left join marts.dim_crm_account as account
    on account.dim_crm_account_id = usage.dim_crm_account_id
group by account.crm_account_name
order by arr desc""",
    ),
]
