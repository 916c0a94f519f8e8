"""The dashboard's questions as SQL over the marts, one function per question.

Pure functions of a `Reader` (no Streamlit here), so tests and the benchmark
call them directly and the app only caches and draws. Every column a page shows
is chosen here: no query selects e-mail addresses or person names, and a User
namespace (named after a person) is shown by its id only.
Optional reports built by other parts of the platform (health score, defects,
estimates, roadmap) are read only when `Reader.tables()` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from customer_usage.catalog.catalog import Metric, load_catalog
from customer_usage.dashboard.reader import Reader
from customer_usage.warehouse_basics import quote_ident

MART = "marts.mart_product_usage_paid_user_metrics_monthly"
HEALTH = "rpt_product_usage_health_score"
HEALTH_ACCOUNT = "rpt_product_usage_health_score_account"
DEFECTS = "rpt_integration_defects"
ESTIMATES = "rpt_ping_metric_totals_w_estimates_monthly"
COVERAGE_MONTHLY = "rpt_integration_coverage_monthly"
ROADMAP = "rpt_integration_roadmap"
KINDS = ("account", "namespace", "installation")


@dataclass(frozen=True)
class Customer:
    kind: str  # account | namespace | installation
    id: str
    label: str

    @property
    def mart_filter(self) -> str:
        """The mart rows of this customer (a `?` takes `id`)."""
        return {"account": "dim_crm_account_id = ?",
                "namespace": "cast(dim_namespace_id as varchar) = ?",
                "installation": "dim_installation_id = ?"}[self.kind]


@lru_cache(maxsize=1)
def chartable_metrics() -> tuple[Metric, ...]:
    """Catalog metrics that add up to a number per month (not labels, not ratios); the catalog file is
    read once per process (every page run asks)."""
    return tuple(m for m in load_catalog() if m.counts in ("users", "events", "setting"))


def _metric(column: str) -> Metric:
    by_column = {m.column: m for m in chartable_metrics()}
    if column not in by_column:
        raise ValueError(f"{column!r} is not a chartable metric of the catalog")
    return by_column[column]


def _aggregate(column: str) -> str:
    """How one lineage-month folds its installation rows into one number."""
    metric, name = _metric(column), quote_ident(column)
    if metric.counts == "setting":
        return f"max(cast({name} as integer))"
    if column == "license_user_count":  # the lineage's seats, repeated on each of its rows
        return f"max({name})"
    return f"sum({name})"


def installation_rows(where: str, has_primary_column: bool, one_installation: bool, columns: list[str]) -> str:
    """`columns` of the mart rows under `where`, one installation per lineage-month when asked: the
    primary one (`is_primary_installation`, data-contract §6: exactly one per lineage-month) once the
    mart has it, a plain filter; else the most billable users, then the latest ping, then the lowest
    installation id (docs/metrics.md's query). Only the named columns are read: the mart is wide."""
    picked = ", ".join(dict.fromkeys(columns))
    if not one_installation:
        return f"select {picked} from {MART} where {where}"
    if has_primary_column:
        return f"select {picked} from {MART} where ({where}) and is_primary_installation"
    ranked = f"""
        select {picked}, row_number() over (
            partition by dim_subscription_id_original, snapshot_month
            order by billable_user_count desc nulls last, ping_created_at desc nulls last, dim_installation_id
        ) as installation_rank
        from {MART}
        where {where}"""
    return f"select {picked} from ({ranked}) as ranked where installation_rank = 1"


def _placeholders(values) -> str:
    return ", ".join("?" for _ in values) or "null"


def search(reader: Reader, text: str, limit: int = 50) -> list[Customer]:
    """Accounts (id, name, subscription name or lineage), top-level namespaces (id, Group path),
    installations (id, uuid, hostname) matching `text`; accounts first."""
    text = (text or "").strip()
    if not text:
        return []
    like = f"%{text.lower()}%"
    frame = reader.query(
        f"""
        with accounts as (
            select 'account' as kind, dim_crm_account_id as id, crm_account_name as label, 1 as sort_order
            from marts.dim_crm_account
            where lower(dim_crm_account_id) = lower(?)
                or lower(crm_account_name) like ?
                or dim_crm_account_id in (
                    select dim_crm_account_id from marts.dim_subscription
                    where lower(subscription_name) = lower(?) or lower(dim_subscription_id_original) = lower(?)
                )
        ),
        namespaces as (
            select
                'namespace' as kind,
                cast(dim_namespace_id as varchar) as id,
                case when namespace_type = 'Group' then namespace_path
                    else 'User namespace ' || cast(dim_namespace_id as varchar) end as label,
                2 as sort_order
            from marts.dim_namespace
            where is_ultimate_parent
                and (cast(dim_namespace_id as varchar) = ?
                    or (namespace_type = 'Group' and lower(namespace_path) like ?))
        ),
        installations as (
            select 'installation' as kind, dim_installation_id as id,
                coalesce(hostname, '?') || ' (' || uuid || ')' as label, 3 as sort_order
            from marts.dim_installation
            where dim_installation_id = ? or lower(uuid) = lower(?) or lower(hostname) like ?
        ),
        found as (
            select * from accounts
            union all select * from namespaces
            union all select * from installations
        )
        select kind, id, label from found order by sort_order, label, id limit {int(limit)}
        """,
        [text, like, text, text, text, like, text, text, like],
    )
    return [Customer(r.kind, str(r.id), str(r.label)) for r in frame.itertuples()]


def profile(reader: Reader, customer: Customer) -> pd.DataFrame:
    """The customer's row(s) of dim_customer: type, deployment, systems that know it."""
    column = {"account": "dim_crm_account_id", "namespace": "cast(dim_namespace_id as varchar)",
              "installation": "dim_installation_id"}[customer.kind]
    return reader.query(
        f"select customer_entity_type, customer_type, deployment_type, source_systems "
        f"from marts.dim_customer where {column} = ?",
        [customer.id],
    )


def lineages(reader: Reader, customer: Customer) -> list[str]:
    """Paid subscription lineages of the customer: an account's from Zuora, others' from the mart."""
    if customer.kind == "account":
        frame = reader.query(
            "select distinct dim_subscription_id_original from marts.dim_subscription "
            "where dim_crm_account_id = ? and is_latest_active_version and is_paid",
            [customer.id],
        )
    else:
        frame = reader.query(
            f"select distinct dim_subscription_id_original from {MART} where {customer.mart_filter}",
            [customer.id],
        )
    return sorted(frame["dim_subscription_id_original"].astype(str))


def subscriptions(reader: Reader, ids: list[str]) -> pd.DataFrame:
    return reader.query(
        f"""
        select
            dim_subscription_id_original as subscription_lineage,
            subscription_name,
            subscription_status as status,
            deployment_type,
            product_tier,
            cast(subscription_start_date as date) as start_date,
            cast(subscription_end_date as date) as end_date,
            is_in_effect_as_of_month as in_effect_now
        from marts.dim_subscription
        where is_latest_active_version and dim_subscription_id_original in ({_placeholders(ids)})
        order by deployment_type, subscription_name
        """,
        ids,
    )


def installations(reader: Reader, customer: Customer) -> pd.DataFrame:
    """Where the customer's usage comes from: namespaces and installations, with months of data."""
    return reader.query(
        f"""
        select
            deployment_type,
            subscription_name,
            case when deployment_type = 'GitLab.com' then 'namespace ' || cast(dim_namespace_id as varchar)
                else hostname || ' (' || uuid || ')' end as reported_by,
            cast(min(snapshot_month) as date) as first_month_with_data,
            cast(max(snapshot_month) as date) as last_month_with_data,
            count(*) as months_with_data
        from {MART}
        where {customer.mart_filter} and is_data_in_subscription_month
        group by 1, 2, 3
        order by 1, 2, 3
        """,
        [customer.id],
    )


def monthly_usage(reader: Reader, customer: Customer, metrics: list[str], has_primary_column: bool = False,
                  one_installation: bool = True) -> pd.DataFrame:
    """One row per month x subscription lineage: seats, billable users and the chosen metrics,
    of one installation per subscription (default) or added up over all of them."""
    chosen = [_metric(m).column for m in metrics if m not in ("license_user_count", "billable_user_count")]
    extra = "".join(f",\n            {_aggregate(m)} as {quote_ident(m)}" for m in chosen)
    rows = installation_rows(customer.mart_filter, has_primary_column, one_installation, [
        "snapshot_month", "subscription_name", "deployment_type", "is_data_in_subscription_month",
        "license_user_count", "billable_user_count", *map(quote_ident, chosen)])
    return reader.query(
        f"""
        with customer_rows as ({rows})
        select
            cast(snapshot_month as date) as snapshot_month,
            subscription_name,
            deployment_type,
            sum(case when is_data_in_subscription_month then 1 else 0 end) as rows_with_data,
            max(license_user_count) as license_user_count,
            sum(billable_user_count) as billable_user_count{extra}
        from customer_rows
        group by 1, 2, 3
        order by 1, 2
        """,
        [customer.id],
    )


def health(reader: Reader, ids: list[str]) -> pd.DataFrame:
    """Latest health-score row per lineage (contract §6), when the report exists."""
    return reader.query(
        f"""
        with scored as (
            select *, row_number() over (
                partition by dim_subscription_id_original order by snapshot_month desc) as recency
            from marts.{HEALTH}
            where dim_subscription_id_original in ({_placeholders(ids)})
        )
        select * from scored where recency = 1 order by dim_subscription_id_original
        """,
        ids,
    ).drop(columns=["recency"])


def defects(reader: Reader, customer: Customer, ids: list[str]) -> pd.DataFrame:
    """Integration defects (contract §7) of the customer's lineages, billing accounts, namespace or pings."""
    own = {
        "account": "entity_type = 'billing_account' and entity_id in ("
                   "select dim_billing_account_id from marts.dim_billing_account where dim_crm_account_id = ?)",
        "namespace": "entity_type = 'namespace' and entity_id = ?",
        "installation": "entity_type = 'ping' and entity_id in ("
                        "select cast(dim_ping_id as varchar) from marts.fct_ping where dim_installation_id = ?)",
    }[customer.kind]
    return reader.query(
        f"""
        select integration, defect, entity_type, entity_id, dim_subscription_id_original, arr
        from marts.{DEFECTS}
        where dim_subscription_id_original in ({_placeholders(ids)}) or ({own})
        order by arr desc, integration, defect, entity_id
        """,
        [*ids, customer.id],
    )


def usage_trend(reader: Reader, metric: str, has_primary_column: bool = False,
                one_installation: bool = True) -> pd.DataFrame:
    """A metric per month x deployment x tier, one installation per subscription (default) or all."""
    metric = _metric(metric).column  # refuses anything but a catalog column before it reaches SQL
    rows = installation_rows("true", has_primary_column, one_installation, [
        "snapshot_month", "deployment_type", "product_tier", "dim_subscription_id_original",
        "is_data_in_subscription_month", quote_ident(metric)])
    return reader.query(
        f"""
        with installation_rows as ({rows}),

        lineage_months as (
            select
                snapshot_month, deployment_type, product_tier, dim_subscription_id_original,
                max(case when is_data_in_subscription_month then 1 else 0 end) as has_data,
                {_aggregate(metric)} as value
            from installation_rows
            group by 1, 2, 3, 4
        )

        select
            cast(snapshot_month as date) as snapshot_month,
            deployment_type,
            product_tier,
            count(*) as subscriptions,
            sum(has_data) as subscriptions_reporting,
            sum(value) as value
        from lineage_months
        group by 1, 2, 3
        order by 1, 2, 3
        """
    )


def estimates(reader: Reader, metric: str) -> pd.DataFrame:
    return reader.query(
        f"""
        select cast(snapshot_month as date) as snapshot_month, deployment_type, recorded_usage,
            reporting_seats, total_seats, percent_reporting, estimated_usage
        from marts.{ESTIMATES}
        where metric_name = ?
        order by 1, 2
        """,
        [metric],
    )


def coverage(reader: Reader) -> pd.DataFrame:
    return reader.query(
        "select integration, measure, numerator, denominator, coverage, unmapped_arr "
        "from marts.rpt_integration_coverage order by integration, measure"
    )


def month_column(columns: tuple[str, ...]) -> str | None:
    """The month column of rpt_integration_coverage_monthly (its name is not fixed by the contract)."""
    for preferred in ("snapshot_month", "coverage_month", "report_month", "month"):
        if preferred in columns:
            return preferred
    return next((c for c in columns if "month" in c), None)


def coverage_monthly(reader: Reader) -> pd.DataFrame:
    month = month_column(reader.columns("marts", COVERAGE_MONTHLY))
    if month is None:
        raise ValueError(f"marts.{COVERAGE_MONTHLY} has no month column")
    return reader.query(
        f"select cast({quote_ident(month)} as date) as month, integration, measure, coverage "
        f"from marts.{COVERAGE_MONTHLY} order by 1, 2, 3"
    )


def roadmap(reader: Reader) -> pd.DataFrame:
    return reader.query(
        f"select priority_rank, integration, defect, entity_count, subscription_count, arr_at_stake "
        f"from marts.{ROADMAP} order by priority_rank"
    )
