-- rpt_integration_coverage's measures (data-contract §4) recomputed per month over
-- the rows that existed by that month's end (data-contract §7), so a reader sees
-- whether each integration is getting better. Months: those of the model, from the
-- earliest month a paid lineage is in effect or a ping was recorded, to AS_OF.
--
-- The sources keep no history (rows are overwritten in place), so "when did this
-- item join?" is read from timestamps, per item:
--   entered_at  the item's own creation (pings: recorded_at), so it counts in the
--               denominator from that month on;
--   covered_at  when its current link became visible: the latest of entered_at,
--               the creation of what it links to (namespace, Zuora subscription
--               version - for orders the lineage's first version - or account,
--               license, surviving Salesforce account) and,
--               for licenses, the license's updated_at. A license file never
--               changes after issue, so an edit of its row is a correction of its
--               Zuora id: a license fixed in month 3 joins from month 3 on. Orders
--               are rewritten at every renewal, so their updated_at says nothing
--               about their links and is not used.
-- An item that does not join today never joins in the past (its earlier state is
-- unknown; today's is the best evidence). Item membership (paid namespace,
-- non-trial, Self-Managed ...) is today's.
with subscriptions as (
    select * from {{ ref('stg_zuora__subscription') }}
),

lineage_first_created as (
    select
        original_id,
        min(created_date) as first_created_at
    from subscriptions
    group by 1
),

-- an order's subscription_id is rewritten at amendments to the newest version, so it
-- joins Zuora from the creation of its lineage's first version, not of that version
orders as (
    select
        orders.*,
        source_orders.created_at,
        namespaces.created_at as namespace_created_at,
        lineage_first_created.first_created_at as subscription_created_at
    from {{ ref('int_orders') }} as orders
    inner join {{ ref('stg_customers_db__orders') }} as source_orders
        on source_orders.id = orders.order_id
    left join {{ ref('stg_gitlab_dotcom__namespaces') }} as namespaces
        on namespaces.id = orders.gl_namespace_id
    left join lineage_first_created
        on lineage_first_created.original_id = orders.dim_subscription_id_original
),

namespaces as (
    select * from {{ ref('dim_namespace') }}
),

first_order_on_namespace as (
    select
        gl_namespace_id as namespace_id,
        min(created_at) as first_order_at
    from orders
    where not trial
        and gl_namespace_id is not null
    group by 1
),

licenses as (
    select
        licenses.*,
        source_licenses.created_at,
        source_licenses.updated_at,
        subscriptions.created_date as subscription_created_at
    from {{ ref('int_license_subscription') }} as licenses
    inner join {{ ref('stg_license_db__licenses') }} as source_licenses
        on source_licenses.id = licenses.dim_license_id
    left join subscriptions
        on subscriptions.id = licenses.dim_subscription_id
),

first_license_by_name as (
    select
        zuora_subscription_name,
        min(created_at) as first_license_at
    from licenses
    where zuora_subscription_name is not null
    group by 1
),

pings as (
    select
        pings.dim_ping_id,
        pings.ping_created_at,
        pings.dim_license_id,
        pings.dim_subscription_id,
        pings.ping_subscription_source,
        licenses.created_at as license_created_at,
        licenses.updated_at as license_updated_at,
        subscriptions.created_date as subscription_created_at
    from {{ ref('int_ping_subscription') }} as pings
    left join licenses
        on licenses.dim_license_id = pings.dim_license_id
    left join subscriptions
        on subscriptions.id = pings.dim_subscription_id
    where pings.license_md5 is not null
),

items as (
    select
        'paid_namespaces_with_order' as measure,
        namespaces.created_at as entered_at,
        case when first_order_on_namespace.namespace_id is not null
            then {{ latest_present(['namespaces.created_at', 'first_order_on_namespace.first_order_at']) }} end as covered_at
    from namespaces
    left join first_order_on_namespace
        on first_order_on_namespace.namespace_id = namespaces.dim_namespace_id
    where namespaces.is_ultimate_parent
        and namespaces.is_paid

    union all

    select
        'saas_orders_with_valid_namespace',
        created_at,
        case when is_namespace_found and is_namespace_ultimate_parent
            then {{ latest_present(['created_at', 'namespace_created_at']) }} end
    from orders
    where deployment_type = 'GitLab.com'
        and not trial

    union all

    select
        'orders_with_zuora_subscription',
        created_at,
        case when is_subscription_in_zuora then {{ latest_present(['created_at', 'subscription_created_at']) }} end
    from orders
    where not trial
        and subscription_id is not null

    union all

    select
        'customers_with_zuora_account',
        customers.created_at,
        case when billing.id is not null then {{ latest_present(['customers.created_at', 'billing.created_date']) }} end
    from {{ ref('stg_customers_db__customers') }} as customers
    left join {{ ref('stg_zuora__account') }} as billing
        on billing.id = customers.zuora_account_id
    where customers.zuora_account_id is not null

    union all

    select
        'sm_orders_with_license',
        orders.created_at,
        case when first_license_by_name.zuora_subscription_name is not null
            then {{ latest_present(['orders.created_at', 'first_license_by_name.first_license_at']) }} end
    from orders
    left join first_license_by_name
        on first_license_by_name.zuora_subscription_name = orders.subscription_name
    where orders.deployment_type = 'Self-Managed'
        and not orders.trial

    union all

    select
        'licenses_with_valid_subscription',
        created_at,
        case when is_license_subscription_id_valid
            then {{ latest_present(['created_at', 'updated_at', 'subscription_created_at']) }} end
    from licenses
    where not trial

    union all

    select
        'pings_with_known_license',
        ping_created_at,
        case when dim_license_id is not null then {{ latest_present(['ping_created_at', 'license_created_at']) }} end
    from pings

    union all

    -- mapped by its own license_subscription_id: once that version exists; by its
    -- license: once the license names it (updated_at) and it exists
    select
        'pings_mapped_to_subscription',
        ping_created_at,
        case
            when ping_subscription_source = 'license_subscription_id'
                then {{ latest_present(['ping_created_at', 'subscription_created_at']) }}
            when ping_subscription_source = 'license_md5'
                then {{ latest_present(['ping_created_at', 'license_updated_at', 'subscription_created_at']) }}
        end
    from pings

    union all

    select
        'billing_accounts_with_crm_account',
        billing.created_date,
        case when billing.dim_crm_account_id is not null
            then {{ latest_present(['billing.created_date', 'crm.created_date']) }} end
    from {{ ref('dim_billing_account') }} as billing
    left join {{ ref('stg_sfdc__account') }} as crm
        on crm.account_id_18 = billing.dim_crm_account_id
    where billing.crm_id is not null
),

bounds as (
    select
        least(
            coalesce(
                (select min({{ month_of('subscription_start_date') }}) from {{ ref('int_subscription_lineage') }} where is_paid),
                {{ month_of(as_of_date()) }}
            ),
            coalesce(
                (select min({{ month_of('ping_created_at') }}) from {{ ref('stg_version_db__usage_data') }}),
                {{ month_of(as_of_date()) }}
            )
        ) as first_month,
        {{ month_of(as_of_date()) }} as last_month
),

months as (
    {{ month_spine("(select first_month from bounds)", "(select last_month from bounds)") }}
),

-- counts per month in which items enter / join (earlier months fold into the first)
entered as (
    select
        measure,
        greatest(coalesce({{ month_of('entered_at') }}, bounds.first_month), bounds.first_month) as month_start,
        count(*) as n
    from items
    cross join bounds
    group by 1, 2
),

covered as (
    select
        measure,
        greatest({{ month_of('covered_at') }}, bounds.first_month) as month_start,
        count(*) as n
    from items
    cross join bounds
    where covered_at is not null
    group by 1, 2
),

catalog as (
    {{ integration_coverage_catalog() }}
),

numerators as (
    select
        months.month_start,
        covered.measure,
        sum(covered.n) as n
    from months
    inner join covered
        on covered.month_start <= months.month_start
    group by 1, 2
),

denominators as (
    select
        months.month_start,
        entered.measure,
        sum(entered.n) as n
    from months
    inner join entered
        on entered.month_start <= months.month_start
    group by 1, 2
),

monthly as (
    select
        months.month_start as snapshot_month,
        catalog.integration,
        catalog.measure,
        catalog.sort_order,
        coalesce(numerators.n, 0) as numerator,
        coalesce(denominators.n, 0) as denominator
    from months
    cross join catalog
    left join numerators
        on numerators.month_start = months.month_start
        and numerators.measure = catalog.measure
    left join denominators
        on denominators.month_start = months.month_start
        and denominators.measure = catalog.measure
)

select
    {{ hash_key(['snapshot_month', 'measure']) }} as integration_coverage_monthly_id,
    snapshot_month,
    integration,
    measure,
    cast(numerator as {{ dbt.type_bigint() }}) as numerator,
    cast(denominator as {{ dbt.type_bigint() }}) as denominator,
    cast(numerator as {{ type_double() }}) / nullif(denominator, 0) as coverage,
    sort_order
from monthly
