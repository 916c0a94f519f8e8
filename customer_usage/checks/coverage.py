"""Key coverage between source systems (data-contract §4, `rpt_integration_coverage`).

Each measure is one SQL query over the raw tables that lists its denominator
population with a 0/1 `matched` flag; numerator, denominator and a sample of
unmatched keys all come from that one definition. The SQL is plain enough to
run on DuckDB and Snowflake alike. The definitions follow §4 to the letter so
the numbers agree with the dbt report built later from the staged models.

Readings of §4 chosen here:
- "non-trial" = `trial` false or NULL; "not deleted" = `deleted` false.
- `pings_mapped_to_subscription` counts, among pings with a `license_md5`
  (its denominator), those the ping→subscription rule maps, so coverage ≤ 1.
- `sm_orders_with_license`: any license (trial or not) whose
  `zuora_subscription_name` equals the order's `subscription_name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from customer_usage.plans import PAID_PLAN_IDS
from customer_usage.sfdc_ids import to_18_sql
from customer_usage.sources.contract import table_spec

SAMPLE_KEYS = 10
MAX_MERGE_DEPTH = 10


def sfdc_id_18_sql(column: str) -> str:
    """SQL for Salesforce's 15→18 conversion (`sfdc_ids` owns the checksum)."""
    return to_18_sql(column)


_ORDERS = """
    select o.id, o.subscription_id, o.subscription_name, o.gl_namespace_id,
        case
            when prp.name like 'SaaS - %' then 1
            when o.product_rate_plan_id is null and o.gl_namespace_id is not null then 1
            else 0
        end as is_saas
    from raw_customers_db.orders o
    left join raw_zuora.product_rate_plan prp on prp.id = o.product_rate_plan_id
    where coalesce(o.trial, false) = false
"""
_SUBSCRIPTION_IDS = "select distinct id from raw_zuora.subscription where deleted = false"
_ULTIMATE_PARENTS = "select id from raw_gitlab_dotcom.namespaces where parent_id is null"


@dataclass(frozen=True)
class Measure:
    integration: str
    name: str
    # The table the check sits on (its downstream is what an ERROR blocks): the
    # denominator's table, except where that would make two blocking checks wait
    # on each other (namespaces <-> orders), where it is the plan table instead.
    asset: tuple[str, str]
    needs: tuple[tuple[str, str], ...]  # every raw table the query reads
    population_sql: str              # [with ...] select key, matched (0/1) ...
    description: str

    def statement(self, final_select: str) -> str:
        """`population_sql` as a CTE named `population`, followed by `final_select`.

        A recursive CTE must open the statement, so the measure's own CTEs are
        hoisted into the same WITH rather than nesting the query in a subquery.
        """
        sql = self.population_sql.strip()
        if not sql.lower().startswith("with"):
            return f"with population as ({sql}) {final_select}"
        # The final select is the last one that names `key` (every measure's does).
        key_at = sql.lower().rfind(" as key")
        marker = [m.start() for m in re.finditer(r"\n\s*select\s", sql[:key_at], flags=re.I)][-1]
        ctes, select = sql[:marker], sql[marker:]
        return f"{ctes}, population as ({select}) {final_select}"

    @property
    def tables(self) -> tuple[tuple[str, str], ...]:
        return (self.asset, *[t for t in self.needs if t != self.asset])


MEASURES: tuple[Measure, ...] = (
    Measure(
        "gitlab_customers", "paid_namespaces_with_order", ("gitlab_dotcom", "gitlab_subscriptions"),
        (("gitlab_dotcom", "namespaces"), ("customers_db", "orders")),
        f"""
        with current_plan as (
            select namespace_id, hosted_plan_id from (
                select namespace_id, hosted_plan_id,
                    row_number() over (partition by namespace_id order by updated_at desc, id desc) as rn
                from raw_gitlab_dotcom.gitlab_subscriptions
            ) ranked where rn = 1
        ),
        ordered as (
            select distinct gl_namespace_id from raw_customers_db.orders
            where coalesce(trial, false) = false and gl_namespace_id is not null
        )
        select n.id as key, case when o.gl_namespace_id is null then 0 else 1 end as matched
        from raw_gitlab_dotcom.namespaces n
        join current_plan p on p.namespace_id = n.id
        left join ordered o on o.gl_namespace_id = n.id
        where n.parent_id is null and p.hosted_plan_id in ({", ".join(map(str, PAID_PLAN_IDS))})
        """,
        "paid ultimate-parent namespaces with a non-trial order on them / paid ultimate-parent namespaces",
    ),
    Measure(
        "gitlab_customers", "saas_orders_with_valid_namespace", ("customers_db", "orders"),
        (("zuora", "product_rate_plan"), ("gitlab_dotcom", "namespaces")),
        f"""
        with orders as ({_ORDERS}), parents as ({_ULTIMATE_PARENTS})
        select o.id as key, case when p.id is null then 0 else 1 end as matched
        from orders o left join parents p on p.id = o.gl_namespace_id
        where o.is_saas = 1
        """,
        "non-trial SaaS orders whose gl_namespace_id is an existing ultimate-parent namespace / non-trial SaaS orders",
    ),
    Measure(
        "customers_zuora", "orders_with_zuora_subscription", ("customers_db", "orders"),
        (("zuora", "product_rate_plan"), ("zuora", "subscription")),
        f"""
        with orders as ({_ORDERS}), subs as ({_SUBSCRIPTION_IDS})
        select o.id as key, case when s.id is null then 0 else 1 end as matched
        from orders o left join subs s on s.id = o.subscription_id
        where o.subscription_id is not null
        """,
        "non-trial orders whose subscription_id exists in Zuora / non-trial orders with a subscription_id",
    ),
    Measure(
        "customers_zuora", "customers_with_zuora_account", ("customers_db", "customers"),
        (("zuora", "account"),),
        """
        with accounts as (select distinct id from raw_zuora.account where deleted = false)
        select c.id as key, case when a.id is null then 0 else 1 end as matched
        from raw_customers_db.customers c left join accounts a on a.id = c.zuora_account_id
        where c.zuora_account_id is not null
        """,
        "customers whose zuora_account_id exists in Zuora / customers with a zuora_account_id",
    ),
    Measure(
        "customers_license", "sm_orders_with_license", ("customers_db", "orders"),
        (("zuora", "product_rate_plan"), ("license_db", "licenses")),
        f"""
        with orders as ({_ORDERS}),
        names as (
            select distinct zuora_subscription_name as name from raw_license_db.licenses
            where zuora_subscription_name is not null
        )
        select o.id as key, case when n.name is null then 0 else 1 end as matched
        from orders o left join names n on n.name = o.subscription_name
        where o.is_saas = 0
        """,
        "non-trial Self-Managed orders with a license of the same subscription name / non-trial Self-Managed orders",
    ),
    Measure(
        "license_zuora", "licenses_with_valid_subscription", ("license_db", "licenses"),
        (("zuora", "subscription"),),
        f"""
        with subs as ({_SUBSCRIPTION_IDS})
        select l.id as key, case when s.id is null then 0 else 1 end as matched
        from raw_license_db.licenses l left join subs s on s.id = l.zuora_subscription_id
        where coalesce(l.trial, false) = false
        """,
        "non-trial licenses whose zuora_subscription_id exists in Zuora / non-trial licenses",
    ),
    Measure(
        "license_version", "pings_with_known_license", ("version_db", "usage_data"),
        (("license_db", "licenses"),),
        """
        with md5s as (select distinct license_md5 from raw_license_db.licenses where license_md5 is not null)
        select u.id as key, case when m.license_md5 is null then 0 else 1 end as matched
        from raw_version_db.usage_data u left join md5s m on m.license_md5 = u.license_md5
        where u.license_md5 is not null
        """,
        "pings whose license_md5 matches a license / pings with a license_md5",
    ),
    Measure(
        "license_version", "pings_mapped_to_subscription", ("version_db", "usage_data"),
        (("license_db", "licenses"), ("zuora", "subscription")),
        f"""
        with subs as ({_SUBSCRIPTION_IDS}),
        valid_md5s as (
            select distinct l.license_md5 from raw_license_db.licenses l
            join subs s on s.id = l.zuora_subscription_id
            where l.license_md5 is not null
        )
        select u.id as key,
            case when s.id is not null or m.license_md5 is not null then 1 else 0 end as matched
        from raw_version_db.usage_data u
        left join subs s on s.id = u.license_subscription_id
        left join valid_md5s m on m.license_md5 = u.license_md5
        where u.license_md5 is not null
        """,
        "pings with a dim_subscription_id (ping→subscription rule of §4) / pings with a license_md5",
    ),
    Measure(
        "zuora_sfdc", "billing_accounts_with_crm_account", ("zuora", "account"),
        (("sfdc", "account"),),
        f"""
        with recursive chain (start_id, current_id, is_deleted, master_id, depth) as (
            select id, id, is_deleted, master_record_id, 0 from raw_sfdc.account
            union all
            select c.start_id, a.id, a.is_deleted, a.master_record_id, c.depth + 1
            from chain c join raw_sfdc.account a on a.id = c.master_id
            where c.is_deleted and c.depth < {MAX_MERGE_DEPTH}
        ),
        survivors as (select distinct start_id from chain where not is_deleted),
        accounts as (
            select id, {sfdc_id_18_sql("trim(crm_id)")} as crm_id_18
            from raw_zuora.account where deleted = false and crm_id is not null and trim(crm_id) <> ''
        )
        select a.id as key, case when s.start_id is null then 0 else 1 end as matched
        from accounts a left join survivors s on s.start_id = a.crm_id_18
        """,
        "Zuora accounts whose crm_id (15→18, merge chain) resolves to a surviving SFDC account / Zuora accounts with a crm_id",
    ),
)


def measure(name: str) -> Measure:
    for m in MEASURES:
        if m.name == name:
            return m
    raise KeyError(f"no coverage measure {name!r}")


@dataclass(frozen=True)
class CoverageResult:
    measure: Measure
    numerator: int
    denominator: int
    sample_unmatched: list[str]

    @property
    def coverage(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def missing_tables(wh, m: Measure) -> list[str]:
    missing = []
    for system, table in m.tables:
        spec = table_spec(system, table)
        if not wh.table_exists(spec.raw_schema, spec.table):
            missing.append(f"{spec.raw_schema}.{spec.table}")
    return missing


def compute(wh, m: Measure) -> CoverageResult:
    """Numerator, denominator and unmatched keys of one measure, in the warehouse."""
    counts_sql = m.statement("select count(*), sum(matched) from population")
    sample_sql = m.statement(
        f"select key from population where matched = 0 order by key limit {SAMPLE_KEYS}"
    )
    denominator, numerator = wh.fetch_one(counts_sql)
    sample = [str(r[0]) for r in wh.fetch_all(sample_sql)]
    return CoverageResult(m, int(numerator or 0), int(denominator or 0), sample)
