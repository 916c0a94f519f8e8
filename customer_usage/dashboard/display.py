"""How the pages draw numbers: readable tables and monthly line charts.

Sums come back from SQL as floats and months as timestamps; analysts read
whole numbers and `2026-07`. Charts are Vega-Lite (Altair) with one tick per
month, so a monthly series never shows weekly ticks.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

RATIO_HINTS = ("utilization", "utilisation", "coverage", "percent", "score", "share")


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype.kind == "M" or (column.dtype == object and len(column.dropna())
                                         and all(hasattr(v, "strftime") for v in column.dropna())):
            stamps = pd.to_datetime(column)
            monthly = "month" in name and (stamps.dropna().dt.day == 1).all()
            out[name] = stamps.dt.strftime("%Y-%m" if monthly else "%Y-%m-%d").where(stamps.notna(), "")
        elif column.dtype.kind == "f":
            finite = column.dropna()
            whole = len(finite) and (finite == finite.round()).all()
            if whole and not any(h in name for h in RATIO_HINTS):
                out[name] = column.round().astype("Int64")
            else:
                out[name] = column.round(3)
    return out


def show_table(frame: pd.DataFrame, max_html_rows: int = 200) -> None:
    """Small tables as HTML (readable, findable in the page); large ones in the data grid."""
    frame = tidy(frame)
    if len(frame) <= max_html_rows:
        st.table(frame.reset_index(drop=True))
    else:
        st.dataframe(frame, hide_index=True, use_container_width=True)


def monthly_chart(frame: pd.DataFrame, month: str, value: str, series: str, title: str | None = None,
                  percent: bool = False) -> None:
    data = frame[[month, value, series]].copy()
    data[month] = pd.to_datetime(data[month])
    y = alt.Y(f"{value}:Q", title=title or value, axis=alt.Axis(format="%") if percent else alt.Axis())
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"yearmonth({month}):T", title="month", axis=alt.Axis(format="%Y-%m", tickCount="month")),
            y=y,
            color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="right", labelLimit=320)),
            tooltip=[alt.Tooltip(f"yearmonth({month}):T", title="month", format="%Y-%m"), series, value],
        )
        .properties(height=340)
    )
    st.altair_chart(chart, use_container_width=True)
