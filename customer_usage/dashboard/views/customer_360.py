"""Customer 360: one account, namespace or installation on one page.

The search text lives in the URL (`?q=...`), so a page for an account can be
linked and bookmarked. Sections for reports that other parts of the platform
build (health scores, integration defects) appear when their tables exist.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from customer_usage.dashboard import glance, queries
from customer_usage.dashboard.cache import ask, columns, tables
from customer_usage.dashboard.display import monthly_chart, show_table, tidy

DEFAULT_METRICS = ["umau_28_days_user", "ci_pipelines_28_days_user"]
KIND_LABEL = {"account": "Account", "namespace": "Namespace", "installation": "Installation"}
COLOR_STYLE = {"Red": "background-color: #f8d0d0", "Yellow": "background-color: #fbefc4",
               "Green": "background-color: #cdeccf"}


def _choose(matches: list[queries.Customer]) -> queries.Customer:
    if len(matches) == 1:
        return matches[0]
    labels = [f"{KIND_LABEL[m.kind]}: {m.label} ({m.id})" for m in matches]
    index = st.selectbox(f"{len(matches)} matches", range(len(matches)), format_func=labels.__getitem__)
    return matches[index]


def _header(customer: queries.Customer, lineages: list[str]) -> None:
    st.header(customer.label)
    st.caption(f"{KIND_LABEL[customer.kind]} {customer.id}")
    profile = ask("profile", customer)
    cells = st.columns(3)
    first = profile.iloc[0] if len(profile) else None
    cells[0].metric("Customer type", first.customer_type if first is not None else "not in dim_customer")
    cells[1].metric("Deployment", first.deployment_type if first is not None else "n/a")
    cells[2].metric("Paid subscriptions", len(lineages))
    if first is not None:
        st.caption(f"Known to: {first.source_systems.replace(',', ', ')}")


def _usage(customer: queries.Customer) -> None:
    st.subheader("Monthly usage")
    options = [m.column for m in queries.chartable_metrics()]
    chosen = st.multiselect("Metrics", options, default=[m for m in DEFAULT_METRICS if m in options])
    has_primary = "is_primary_installation" in columns(queries.MART.split(".")[1])
    everything = st.toggle("Add up every installation of a subscription (staging and DR servers included)",
                           value=False)
    st.caption("Default: one installation per subscription and month, "
               + ("the mart's primary installation." if has_primary else
                  "the one with the most billable users (the mart's is_primary_installation is not built yet)."))
    usage = ask("monthly_usage", customer, chosen, has_primary, not everything)
    if usage.empty:
        st.info("No monthly mart rows for this customer (no paid subscription in effect).")
        return
    per_month = usage.groupby("snapshot_month", as_index=False)[chosen].sum(min_count=1) if chosen else None
    if per_month is not None:
        long = per_month.melt("snapshot_month", var_name="metric", value_name="value")
        monthly_chart(long, "snapshot_month", "value", "metric", title="sum over the subscriptions")
    st.subheader("Seats and utilisation")
    reported = usage[usage.billable_user_count.notna()]
    seats = reported.groupby("snapshot_month", as_index=False)[["license_user_count", "billable_user_count"]].sum()
    if len(seats):
        row = seats.iloc[-1]
        ratio = row.billable_user_count / row.license_user_count if row.license_user_count else None
        st.metric(f"Utilisation in {pd.Timestamp(row.snapshot_month):%Y-%m} (billable / licensed)",
                  f"{ratio:.0%}" if ratio is not None else "n/a",
                  help="Billable users over licensed seats, of the subscriptions that reported billable users "
                       "that month.")
        monthly_chart(seats.melt("snapshot_month", var_name="seats", value_name="users"),
                      "snapshot_month", "users", "seats", title="subscriptions that reported seats")
    else:
        st.caption("No billable-user counts reported yet.")
    st.caption("Per month and subscription (a month without data shows 0 rows with data):")
    show_table(usage.sort_values(["snapshot_month", "subscription_name"], ascending=[False, True]))


def _color_badge(color) -> str:
    """A colour name on its own colour (the page's plain answer to "is that healthy?")."""
    if not isinstance(color, str):
        return "no score"
    style = COLOR_STYLE.get(color, "")
    return f'<span style="{style}; padding: 0.15em 0.6em; border-radius: 0.3em">{color}</span>'


def _at_a_glance(customer: queries.Customer) -> None:
    """The latest month: users of each health measure's feature next to the health colour and its bands."""
    present = tables()
    if glance.BANDS not in present:
        return
    band_rows = ask("bands")
    has_primary = "is_primary_installation" in columns(queries.MART.split(".")[1])
    measure_columns = glance.measure_columns(band_rows, columns(queries.MART.split(".")[1]))
    if glance.HEADLINE not in measure_columns:
        return
    subscriptions = ask("last_month", customer, measure_columns, has_primary)
    if subscriptions.empty:
        return
    month = pd.Timestamp(subscriptions.snapshot_month.max())
    account = (ask("account_health", customer.id, month)
               if customer.kind == "account" and glance.HEALTH_ACCOUNT in present else pd.DataFrame())
    summary = glance.summary(subscriptions, account, measure_columns, band_rows)
    ci = summary[summary.measure == glance.HEADLINE].iloc[0]
    st.subheader(f"Last month at a glance ({month:%Y-%m})")
    cells = st.columns(3)
    users = ci.users
    cells[0].metric(f"Users who ran CI pipelines in {month:%Y-%m}", f"{users:,.0f}" if pd.notna(users) else "not reported",
                    help=f"{ci.metric}, summed over the subscriptions' primary installations.")
    share = ci.share_of_billable_users
    cells[1].metric("Share of their billable users", f"{share:.0%}" if pd.notna(share) else "n/a")
    with cells[2]:
        score = f" (score {ci.score:.0f})" if pd.notna(ci.score) else ""
        whose = "Account" if customer.kind == "account" else "Subscriptions'"
        st.markdown(f"**{whose} CI health:** {_color_badge(ci.color)}{score}", unsafe_allow_html=True)
        st.caption(f"Per subscription: CI users ÷ billable users, {ci['bands (users ÷ billable users, per subscription)']}. "
                   f"The account's score is the ARR-weighted mean of its subscriptions' scores: "
                   f"{glance.band_text(band_rows, 'overall', percent=False)}.")
    table = summary.assign(
        users=summary.users.map(lambda v: f"{v:,.0f}" if pd.notna(v) else "not reported"),
        share_of_billable_users=summary.share_of_billable_users.map(lambda v: f"{v:.0%}" if pd.notna(v) else ""),
        score=summary.score.map(lambda v: f"{v:.0f}" if pd.notna(v) else ""),
        color=summary.color.map(lambda v: v if isinstance(v, str) else "no score"))
    st.table(table.style.map(lambda v: COLOR_STYLE.get(v, ""), subset=["color"]))
    st.caption("Each subscription's colours are under Health below.")


def _health(ids: list[str]) -> None:
    st.subheader("Health")
    if queries.HEALTH not in tables():
        st.caption(f"Health scores appear here once marts.{queries.HEALTH} is built.")
        return
    frame = tidy(ask("health", ids))
    if frame.empty:
        st.caption("No health score rows for these subscriptions.")
        return
    keep = ["snapshot_month", "dim_subscription_id_original", "deployment_type", "overall_score",
            *[c for c in frame.columns if c.endswith("_color")]]
    frame = frame[[c for c in keep if c in frame.columns]]
    colors = [c for c in frame.columns if c.endswith("_color")]
    st.table(frame.style.map(lambda v: COLOR_STYLE.get(v, ""), subset=colors))


def _defects(customer: queries.Customer, ids: list[str]) -> None:
    st.subheader("Integration defects")
    if queries.DEFECTS not in tables():
        st.caption(f"Defects appear here once marts.{queries.DEFECTS} is built.")
        return
    frame = ask("defects", customer, ids)
    if frame.empty:
        st.success("No integration defect touches this customer.")
    else:
        show_table(frame)


def render() -> None:
    st.title("Customer 360")
    text = st.text_input("Search an account, namespace or installation (name, id, subscription, uuid, hostname)",
                         value=st.query_params.get("q", ""))
    if text != st.query_params.get("q", ""):
        st.query_params["q"] = text
    if not text.strip():
        st.info("Type a Salesforce account name or id, a subscription name, a namespace id or path, "
                "or an installation uuid or hostname.")
        return
    matches = ask("search", text)
    if not matches:
        st.warning(f"No account, namespace or installation matches \"{text.strip()}\".")
        return
    customer = _choose(matches)
    lineages = ask("lineages", customer)
    _header(customer, lineages)
    _at_a_glance(customer)
    if lineages:
        st.subheader("Subscriptions")
        show_table(ask("subscriptions", lineages))
    st.subheader("Namespaces and installations")
    places = ask("installations", customer)
    show_table(places) if len(places) else st.caption("No usage data received yet.")
    _usage(customer)
    _health(lineages)
    _defects(customer, lineages)

