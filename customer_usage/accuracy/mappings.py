"""The registry of scored mappings: one `Mapping` per link the model makes.

Each mapping is two queries over one DuckDB connection on which the warehouse is open
(schemas `marts`, `intermediate`) and two families of views are defined:
`truth_<file>` for every `<truth dir>/<file>.parquet`, and `landing_<system>__<table>`
for every landing table (for truths the generator leaves to be derived from the
landing data, e.g. bridge statuses 8-10).

- `predicted_sql` returns (id, predicted): what the pipeline says; NULL = no link.
- `truth_sql` returns (id, truth, expected): `truth` what really holds (NULL = no true
  link), `expected` what data-contract §4 can recover from the landing data (NULL when
  the injected defects make it unrecoverable).

Ids are text. Adding a mapping (e.g. the primary installation of data-contract §6) is
appending one `Mapping` to `MAPPINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    truth_sql: str
    predicted_sql: str


MAPPINGS: list[Mapping] = [
    Mapping(
        "account_resolution",
        "Zuora billing account -> surviving Salesforce account (15->18, merges)",
        "select billing_account_id as id, true_crm_account_id as truth, expected_crm_account_id as expected "
        "from truth_billing_accounts",
        "select dim_billing_account_id as id, dim_crm_account_id as predicted from marts.dim_billing_account",
    ),
    Mapping(
        "license_to_subscription",
        "license -> Zuora subscription version (valid zuora_subscription_id)",
        "select cast(license_id as varchar) as id, true_subscription_id as truth, "
        "case when is_valid then zuora_subscription_id end as expected from truth_licenses",
        "select cast(dim_license_id as varchar) as id, dim_subscription_id as predicted from marts.dim_license",
    ),
    Mapping(
        "ping_to_subscription",
        "Service Ping -> subscription lineage (license_subscription_id, else license_md5)",
        "select cast(usage_data_id as varchar) as id, true_original_id as truth, expected_original_id as expected "
        "from truth_pings",
        "select cast(dim_ping_id as varchar) as id, dim_subscription_id_original as predicted "
        "from intermediate.int_ping_subscription",
    ),
    Mapping(
        "surviving_crm_account",
        "Salesforce account -> surviving account through master_record_id chains",
        "select crm_account_id as id, surviving_crm_account_id as truth, surviving_crm_account_id as expected "
        "from truth_crm_accounts",
        "select crm_account_id as id, surviving_crm_account_id as predicted from intermediate.map_crm_account_merge",
    ),
    Mapping(
        "ultimate_parent_crm_account",
        "surviving Salesforce account -> ultimate parent account",
        "select crm_account_id as id, case when not is_merged then ultimate_parent_crm_account_id end as truth, "
        "case when not is_merged then ultimate_parent_crm_account_id end as expected from truth_crm_accounts",
        "select dim_crm_account_id as id, dim_parent_crm_account_id as predicted from marts.dim_crm_account",
    ),
    Mapping(
        "ultimate_parent_namespace",
        "namespace -> ultimate parent namespace",
        "select cast(namespace_id as varchar) as id, cast(ultimate_parent_namespace_id as varchar) as truth, "
        "cast(ultimate_parent_namespace_id as varchar) as expected from truth_namespaces",
        "select cast(dim_namespace_id as varchar) as id, cast(ultimate_parent_namespace_id as varchar) as predicted "
        "from marts.dim_namespace",
    ),
    Mapping(
        "latest_active_version",
        "subscription lineage -> its latest Active/Cancelled version",
        "select original_id as id, latest_subscription_id as truth, latest_subscription_id as expected "
        "from truth_subscriptions",
        "select dim_subscription_id_original as id, dim_subscription_id as predicted "
        "from intermediate.int_subscription_lineage",
    ),
    Mapping(
        "bridge_status",
        "namespace/order/subscription bridge row -> match status (all ten rules; NULL = no rule applies)",
        # orders: the truth's rules 1-7; rules 8-10 derived as GROUND_TRUTH.md says, from the paid and
        # trial ultimate parents and the GitLab.com lineages in effect, against the landing orders
        """
        with orders as (
            select cast(landing.gl_namespace_id as bigint) as namespace_id, landing.subscription_id,
                truth_orders.order_type = 'paid' as is_paid
            from landing_customers_db__orders as landing
            inner join truth_orders on truth_orders.order_id = landing.id
            where truth_orders.in_bridge
        )
        select 'order:' || cast(order_id as varchar) as id, expected_match_status as truth,
            expected_match_status as expected
        from truth_orders where in_bridge
        union all
        select 'namespace:' || cast(namespace_id as varchar),
            case customer_type when 'paid' then 'Paid Namespace Missing Order'
                else 'Trial Namespace Missing Order' end,
            case customer_type when 'paid' then 'Paid Namespace Missing Order'
                else 'Trial Namespace Missing Order' end
        from truth_namespaces as ns
        where is_ultimate_parent and (
            (customer_type = 'paid' and not exists (
                select 1 from orders where orders.namespace_id = ns.namespace_id and orders.is_paid))
            or (customer_type = 'trial' and not exists (
                select 1 from orders where orders.namespace_id = ns.namespace_id)))
        union all
        select 'subscription:' || original_id, 'Paid Subscription Missing Order', 'Paid Subscription Missing Order'
        from truth_subscriptions as subs
        where deployment_type = 'GitLab.com' and in_effect_as_of and not exists (
            select 1 from orders
            inner join landing_zuora__subscription as versions on versions.id = orders.subscription_id
            where versions.original_id = subs.original_id)
        """,
        "select case row_source when 'order' then 'order:' || cast(order_id as varchar) "
        "when 'namespace' then 'namespace:' || cast(dim_namespace_id as varchar) "
        "else 'subscription:' || dim_subscription_id_original end as id, match_status as predicted "
        "from marts.bdg_namespace_order_subscription",
    ),
    Mapping(
        "namespace_customer_type",
        "ultimate-parent namespace -> paid / trial / free (plan of its latest gitlab_subscriptions row)",
        "select cast(namespace_id as varchar) as id, customer_type as truth, customer_type as expected "
        "from truth_namespaces where is_ultimate_parent",
        "select cast(dim_namespace_id as varchar) as id, "
        "case when is_paid then 'paid' when is_trial then 'trial' else 'free' end as predicted "
        "from marts.dim_namespace where is_ultimate_parent",
    ),
    Mapping(
        "installation_customer_type",
        "Self-Managed installation -> paid customer (a mapped ping); free installations have no link",
        "select truth_installations.uuid || '|' || cast(truth_installations.host_id as varchar) as id, "
        "case when customer_type = 'paid' then 'paid' end as truth, "
        "case when exists (select 1 from truth_pings where truth_pings.uuid = truth_installations.uuid "
        "and truth_pings.host_id = truth_installations.host_id and truth_pings.expected_original_id is not null) "
        "then 'paid' end as expected from truth_installations",
        "select inst.uuid || '|' || cast(inst.host_id as varchar) as id, "
        "case when exists (select 1 from intermediate.int_ping_subscription as p "
        "where p.dim_installation_id = inst.dim_installation_id and p.dim_subscription_id is not null) "
        "then 'paid' end as predicted from marts.dim_installation as inst",
    ),
]
