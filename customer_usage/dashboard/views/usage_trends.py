"""Usage trends: any catalog metric over months, by deployment and tier.

Sums a metric over the subscriptions that sent data in each month, one
installation per subscription by default (the primary one once the mart has
`is_primary_installation`, else the most billable users), so a staging server
does not double a customer; a toggle adds up every installation. Percent reporting and estimated totals come from
the estimates report when it exists.
"""

from __future__ import annotations

import streamlit as st

from customer_usage.dashboard import queries
from customer_usage.dashboard.cache import ask, columns, tables
from customer_usage.dashboard.display import monthly_chart, show_table

MART_TABLE = queries.MART.split(".")[1]


def render() -> None:
    st.title("Usage trends")
    metrics = {m.column: m for m in queries.chartable_metrics()}
    default = list(metrics).index("ci_pipelines_28_days_user") if "ci_pipelines_28_days_user" in metrics else 0
    metric = st.selectbox("Metric", list(metrics), index=default,
                          format_func=lambda c: f"{c} ({metrics[c].stage})")
    st.caption(metrics[metric].description)
    has_primary = "is_primary_installation" in columns(MART_TABLE)
    everything = st.toggle("Add up every installation of a subscription (staging and DR servers included)",
                           value=False)
    trend = ask("usage_trend", metric, has_primary, not everything)
    if trend.empty:
        st.info("The monthly mart has no rows yet: run `make run` first.")
        return
    trend["series"] = trend["deployment_type"] + " " + trend["product_tier"].fillna("")
    st.subheader(f"{metric} by deployment and tier")
    monthly_chart(trend, "snapshot_month", "value", "series", title=metric)
    st.caption("Sum over subscriptions with data in the month, "
               + ("every installation row." if everything else "one installation each ("
                  + ("the primary one)." if has_primary else "the one with the most billable users).")))
    reporting = trend.assign(share=trend.subscriptions_reporting / trend.subscriptions)
    st.subheader("Subscriptions reporting")
    monthly_chart(reporting, "snapshot_month", "share", "series", title="share of subscriptions with data",
                  percent=True)
    if queries.ESTIMATES in tables():
        estimated = ask("estimates", metric)
        st.subheader("Recorded and estimated totals")
        if estimated.empty:
            st.caption(f"marts.{queries.ESTIMATES} has no rows for {metric}.")
        else:
            long = estimated.melt(["snapshot_month", "deployment_type"], ["recorded_usage", "estimated_usage"],
                                  var_name="kind", value_name="value")
            long["series"] = long["deployment_type"] + " " + long["kind"]
            monthly_chart(long, "snapshot_month", "value", "series")
            show_table(estimated.sort_values("snapshot_month", ascending=False))
    else:
        st.caption(f"Percent reporting and estimated totals appear once marts.{queries.ESTIMATES} is built.")
    with st.expander("Numbers"):
        show_table(trend.drop(columns=["series"]).sort_values("snapshot_month", ascending=False))
