"""Integration health: how well the six systems join, and what to fix first.

Coverage per integration over time and the ranked roadmap appear when their
reports exist; the current `rpt_integration_coverage` is always shown.
"""

from __future__ import annotations

import streamlit as st

from customer_usage.dashboard import queries
from customer_usage.dashboard.cache import ask, tables
from customer_usage.dashboard.display import bar_chart, monthly_chart, show_table


def render() -> None:
    st.title("Integration health")
    present = tables()
    if queries.ROADMAP in present:
        st.subheader("Fixes ranked by ARR at stake")
        show_table(ask("roadmap"))
    else:
        st.caption(f"The ranked list of fixes appears once marts.{queries.ROADMAP} is built.")
    if queries.COVERAGE_MONTHLY in present:
        monthly = ask("coverage_monthly")
        st.subheader("Coverage per integration over time")
        monthly["series"] = monthly["integration"] + " / " + monthly["measure"]
        monthly_chart(monthly, "month", "coverage", "series", percent=True)
    else:
        st.caption(f"Coverage over time appears once marts.{queries.COVERAGE_MONTHLY} is built.")
    current = ask("coverage")
    st.subheader("Coverage now")
    if current.empty:
        st.info("rpt_integration_coverage is empty: run `make run` first.")
        return
    bar_chart(current.assign(series=current.integration + " / " + current.measure), "series", "coverage",
              percent=True)
    show_table(current)
