-- One row per customer entity (docs/data-contract.md §3/§4), free and trial included:
--   * account entities: surviving Salesforce accounts that a Zuora billing
--     account or a portal customer resolves to;
--   * namespace entities: ultimate-parent namespaces that no paid subscription
--     or order ties to such an account (GitLab.com free, trial, or paid without
--     a known account);
--   * installation entities: installations none of whose pings map to a
--     subscription (unlicensed or unmapped self-managed).
-- customer_type: paid when a paid lineage is in effect in the AS_OF month, trial
-- for a namespace on a trial plan, else free.
with billing_accounts as (
    select * from {{ ref('dim_billing_account') }}
),

merge_map as (
    select * from {{ ref('map_crm_account_merge') }}
),

lineages as (
    select
        lineages.*,
        billing_accounts.dim_crm_account_id
    from {{ ref('int_subscription_lineage') }} as lineages
    left join billing_accounts
        on billing_accounts.dim_billing_account_id = lineages.dim_billing_account_id
),

namespaces as (
    select * from {{ ref('dim_namespace') }}
),

subscriptions as (
    select * from {{ ref('dim_subscription') }}
),

-- the account each portal customer resolves to: its Salesforce id, else its billing account's
portal_customers as (
    select
        customers.id as customer_id,
        coalesce(merge_map.surviving_crm_account_id, billing_accounts.dim_crm_account_id) as dim_crm_account_id
    from {{ ref('stg_customers_db__customers') }} as customers
    left join merge_map
        on merge_map.crm_account_id = customers.salesforce_account_id_18
    left join billing_accounts
        on billing_accounts.dim_billing_account_id = customers.zuora_account_id
),

account_sources as (
    select dim_crm_account_id, 'zuora' as source_system
    from billing_accounts
    where dim_crm_account_id is not null
    union all
    select dim_crm_account_id, 'customers_db' as source_system
    from portal_customers
    where dim_crm_account_id is not null
),

accounts as (
    select distinct dim_crm_account_id
    from account_sources
),

orders as (
    select
        orders.*,
        coalesce(subscriptions.dim_crm_account_id, portal_customers.dim_crm_account_id) as dim_crm_account_id
    from {{ ref('int_orders') }} as orders
    left join subscriptions
        on subscriptions.dim_subscription_id = orders.dim_subscription_id
    left join portal_customers
        on portal_customers.customer_id = orders.customer_id
),

-- ultimate-parent namespaces tied to a lineage (its namespace_id, or a paid order's namespace)
namespace_lineages as (
    select
        namespaces.ultimate_parent_namespace_id as namespace_id,
        lineages.dim_subscription_id_original
    from lineages
    inner join namespaces
        on namespaces.dim_namespace_id = lineages.namespace_id
    union
    select
        orders.ultimate_parent_namespace_id as namespace_id,
        orders.dim_subscription_id_original
    from orders
    where orders.is_paid_order
        and orders.ultimate_parent_namespace_id is not null
        and orders.dim_subscription_id_original is not null
),

-- ultimate-parent namespaces that a paid subscription or an order ties to a known account
namespace_accounts as (
    select
        namespace_lineages.namespace_id,
        lineages.dim_crm_account_id
    from namespace_lineages
    inner join lineages
        on lineages.dim_subscription_id_original = namespace_lineages.dim_subscription_id_original
    inner join accounts
        on accounts.dim_crm_account_id = lineages.dim_crm_account_id
    where lineages.is_paid
    union
    select
        orders.ultimate_parent_namespace_id as namespace_id,
        orders.dim_crm_account_id
    from orders
    inner join accounts
        on accounts.dim_crm_account_id = orders.dim_crm_account_id
    where orders.ultimate_parent_namespace_id is not null
),

pings as (
    select
        pings.dim_installation_id,
        pings.dim_subscription_id,
        pings.license_md5,
        pings.dim_license_id,
        subscriptions.dim_crm_account_id
    from {{ ref('int_ping_subscription') }} as pings
    left join subscriptions
        on subscriptions.dim_subscription_id = pings.dim_subscription_id
),

installation_accounts as (
    select distinct
        pings.dim_installation_id,
        pings.dim_crm_account_id
    from pings
    inner join accounts
        on accounts.dim_crm_account_id = pings.dim_crm_account_id
),

licenses as (
    select * from {{ ref('dim_license') }}
),

-- one row per fact known about an account; flags below are aggregated from it
account_facts as (
    select dim_crm_account_id, 'source_' || source_system as fact from account_sources
    union all
    select dim_crm_account_id, 'namespace' as fact from namespace_accounts
    union all
    select dim_crm_account_id, 'installation' as fact from installation_accounts
    union all
    select dim_crm_account_id, 'license' as fact from licenses where dim_crm_account_id is not null
    union all
    select dim_crm_account_id, 'saas_lineage' as fact from lineages where deployment_type = 'GitLab.com'
    union all
    select dim_crm_account_id, 'sm_lineage' as fact from lineages where deployment_type = 'Self-Managed'
    union all
    select dim_crm_account_id, 'paid_lineage' as fact from lineages where is_paid and is_in_effect_as_of_month
),

account_entities as (
    select
        accounts.dim_crm_account_id,
        {%- for fact in ['source_customers_db', 'source_zuora', 'namespace', 'installation', 'license', 'saas_lineage', 'sm_lineage', 'paid_lineage'] %}
        max(case when account_facts.fact = '{{ fact }}' then 1 else 0 end) = 1 as has_{{ fact }}{{ ',' if not loop.last }}
        {%- endfor %}
    from accounts
    left join account_facts
        on account_facts.dim_crm_account_id = accounts.dim_crm_account_id
    group by 1
),

account_rows as (
    select
        {{ hash_key(["'crm_account'", 'dim_crm_account_id']) }} as dim_customer_id,
        'crm_account' as customer_entity_type,
        case when has_paid_lineage then 'paid' else 'free' end as customer_type,
        case
            when (has_saas_lineage or has_namespace) and (has_sm_lineage or has_installation) then 'Both'
            when has_saas_lineage or has_namespace then 'GitLab.com'
            when has_sm_lineage or has_installation then 'Self-Managed'
        end as deployment_type,
        dim_crm_account_id,
        cast(null as {{ dbt.type_bigint() }}) as dim_namespace_id,
        cast(null as {{ dbt.type_string() }}) as dim_installation_id,
        {{ source_systems_list({
            'customers_db': 'has_source_customers_db',
            'gitlab_dotcom': 'has_namespace',
            'license_db': 'has_license',
            'sfdc': 'true',
            'version_db': 'has_installation',
            'zuora': 'has_source_zuora',
        }) }} as source_systems
    from account_entities
),

order_namespaces as (
    select distinct ultimate_parent_namespace_id as namespace_id
    from orders
    where ultimate_parent_namespace_id is not null
),

namespace_entities as (
    select
        namespaces.dim_namespace_id,
        namespaces.is_trial,
        max(case when lineages.is_paid and lineages.is_in_effect_as_of_month then 1 else 0 end) as has_paid_lineage,
        max(case when lineages.dim_subscription_id_original is not null then 1 else 0 end) as has_subscription,
        max(case when order_namespaces.namespace_id is not null then 1 else 0 end) as has_order
    from namespaces
    left join namespace_lineages
        on namespace_lineages.namespace_id = namespaces.dim_namespace_id
    left join lineages
        on lineages.dim_subscription_id_original = namespace_lineages.dim_subscription_id_original
    left join order_namespaces
        on order_namespaces.namespace_id = namespaces.dim_namespace_id
    left join (select distinct namespace_id from namespace_accounts) as tied
        on tied.namespace_id = namespaces.dim_namespace_id
    where namespaces.is_ultimate_parent
        and tied.namespace_id is null
    group by 1, 2
),

namespace_rows as (
    select
        {{ hash_key(["'namespace'", 'namespace_entities.dim_namespace_id']) }} as dim_customer_id,
        'namespace' as customer_entity_type,
        case
            when namespace_entities.has_paid_lineage = 1 then 'paid'
            when namespace_entities.is_trial then 'trial'
            else 'free'
        end as customer_type,
        'GitLab.com' as deployment_type,
        cast(null as {{ dbt.type_string() }}) as dim_crm_account_id,
        namespace_entities.dim_namespace_id,
        cast(null as {{ dbt.type_string() }}) as dim_installation_id,
        {{ source_systems_list({
            'customers_db': "namespace_entities.has_order = 1",
            'gitlab_dotcom': "true",
            'zuora': "namespace_entities.has_subscription = 1",
        }) }} as source_systems
    from namespace_entities
),

installation_entities as (
    select
        dim_installation_id,
        max(case when dim_license_id is not null then 1 else 0 end) as has_license
    from pings
    group by 1
    having max(case when dim_subscription_id is not null then 1 else 0 end) = 0
),

installation_rows as (
    select
        {{ hash_key(["'installation'", 'dim_installation_id']) }} as dim_customer_id,
        'installation' as customer_entity_type,
        'free' as customer_type,
        'Self-Managed' as deployment_type,
        cast(null as {{ dbt.type_string() }}) as dim_crm_account_id,
        cast(null as {{ dbt.type_bigint() }}) as dim_namespace_id,
        dim_installation_id,
        {{ source_systems_list({
            'license_db': "has_license = 1",
            'version_db': "true",
        }) }} as source_systems
    from installation_entities
)

select * from account_rows
union all
select * from namespace_rows
union all
select * from installation_rows
