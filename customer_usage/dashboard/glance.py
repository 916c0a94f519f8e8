"""The last month of a customer at a glance: how many of its users used each health
measure's feature, and the colour the health score gave it, side by side.

Answers "how many users of account X ran CI pipelines last month, and is that
healthy?" without reading two reports: the users come from the monthly mart (one
installation per subscription, the primary one), the colours from
`rpt_product_usage_health_score_account` (an account) or
`rpt_product_usage_health_score` (its subscriptions), and the thresholds from
`dim_health_score_band`, the bands the scores were computed with (never copied
here). "Last month" is the latest month of the customer's mart rows: the AS_OF
month the health reports score.

Pure functions of a `Reader`, like `queries`; the page caches and draws.
"""

from __future__ import annotations

import pandas as pd

from customer_usage.dashboard import queries
from customer_usage.dashboard.reader import Reader
from customer_usage.warehouse_basics import quote_ident

BANDS = "dim_health_score_band"
HEALTH_ACCOUNT = queries.HEALTH_ACCOUNT
HEADLINE = "ci"  # the measure the page puts first: users who ran CI pipelines
SEATS = "license_utilization"  # its ratio is the mart's own (billable / licensed), not users / billable


def bands(reader: Reader) -> pd.DataFrame:
    """The health score bands (one row per measure x account-age range x band), in order."""
    return reader.query(
        f"select measure, ratio_column, min_account_age_months, max_account_age_months, band_order, color, "
        f"score, bound_type, bound from marts.{BANDS} "
        f"order by measure, min_account_age_months, band_order"
    )


def measure_columns(band_rows: pd.DataFrame, mart_columns: tuple[str, ...]) -> dict[str, str]:
    """{measure: mart column counting its users}, in the bands' order, for the measures the mart has."""
    out: dict[str, str] = {}
    for row in band_rows.itertuples():
        if row.measure in ("overall", SEATS) or row.measure in out:
            continue
        if row.ratio_column and str(row.ratio_column).lower() in mart_columns:
            out[row.measure] = str(row.ratio_column).lower()
    return dict(sorted(out.items(), key=lambda item: item[0] != HEADLINE))


def band_text(band_rows: pd.DataFrame, measure: str, percent: bool = True) -> str:
    """The bands of one measure in words, e.g. `Red < 10% · Yellow ≤ 33% · Green otherwise`."""
    rows = band_rows[band_rows.measure == measure]
    ranges = []
    for (low, high), group in rows.groupby(["min_account_age_months", "max_account_age_months"], dropna=False,
                                           sort=True):
        parts = []
        for band in group.sort_values("band_order").itertuples():
            if band.bound_type == "otherwise" or pd.isna(band.bound):
                parts.append(f"{band.color} otherwise")
            else:
                bound = f"{band.bound:.0%}" if percent else f"{band.bound:g}"
                parts.append(f"{band.color} {'<' if band.bound_type == 'below' else '≤'} {bound}")
        text = " · ".join(parts)
        if len(rows.groupby(["min_account_age_months"])) > 1:
            age = f"{int(low)}+" if pd.isna(high) else f"{int(low)}–{int(high)}"
            text = f"account age {age} months: {text}"
        ranges.append(text)
    return "; ".join(ranges)


def last_month(reader: Reader, customer: queries.Customer, columns: dict[str, str],
               has_primary_column: bool = True) -> pd.DataFrame:
    """The customer's subscriptions in its latest mart month: billable users and the users of each
    measure's column, of one installation per subscription (the primary one), with the subscription's
    health colour of each measure when the health report has that month."""
    rows = queries.installation_rows(customer.mart_filter, has_primary_column, True, [
        "snapshot_month", "dim_subscription_id_original", "subscription_name", "deployment_type",
        "is_data_in_subscription_month", "license_user_count", "billable_user_count",
        *map(quote_ident, columns.values())])
    has_health = queries.HEALTH in reader.tables()
    scored = reader.columns("marts", queries.HEALTH) if has_health else ()
    health_columns = "".join(f", health.{quote_ident(m + '_color')}" for m in columns if f"{m}_color" in scored)
    health_join = (
        f"left join marts.{queries.HEALTH} as health "
        f"on health.dim_subscription_id_original = primary_rows.dim_subscription_id_original "
        f"and health.snapshot_month = primary_rows.snapshot_month" if has_health else "")
    return reader.query(
        f"""
        with customer_rows as ({rows}),

        latest as (
            select max(snapshot_month) as snapshot_month from customer_rows
        ),

        primary_rows as (
            select customer_rows.*
            from customer_rows
            inner join latest on customer_rows.snapshot_month = latest.snapshot_month
        )

        select primary_rows.*{health_columns if has_health else ''}
        from primary_rows
        {health_join}
        order by primary_rows.deployment_type, primary_rows.subscription_name
        """,
        [customer.id],
    )


def account_health(reader: Reader, account_id: str, month) -> pd.DataFrame:
    """The account's row of the account health report for `month` (none when it has no score)."""
    return reader.query(
        f"select * from marts.{HEALTH_ACCOUNT} where dim_crm_account_id = ? and snapshot_month = ?",
        [account_id, pd.Timestamp(month).to_pydatetime()],
    )


def summary(subscriptions: pd.DataFrame, account: pd.DataFrame, columns: dict[str, str],
            band_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per measure: users in the month (sum over subscriptions), their share of the billable users
    of the subscriptions that report the measure, the account's colour and score (an account) and the bands, side by side."""
    scored = account.iloc[0] if len(account) else None
    rows = []
    for measure, column in columns.items():
        reporting = subscriptions[subscriptions[column].notna()] if column in subscriptions else subscriptions[:0]
        users = reporting[column].sum(min_count=1)
        billable = reporting["billable_user_count"].sum(min_count=1)
        rows.append({
            "measure": measure,
            "metric": column,
            "users": users,
            "share_of_billable_users": (users / billable) if pd.notna(users) and billable else None,
            "color": scored.get(f"{measure}_color") if scored is not None else None,
            "score": scored.get(f"{measure}_score") if scored is not None else None,
            "bands (users ÷ billable users, per subscription)": band_text(band_rows, measure),
        })
    return pd.DataFrame(rows)
