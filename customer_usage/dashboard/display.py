"""How the pages draw numbers: readable tables and monthly line charts.

Sums come back from SQL as floats and months as timestamps; analysts read
whole numbers and `2026-07`. Charts are Vega-Lite with one tick per month, so
a monthly series never shows weekly ticks.
"""

from __future__ import annotations

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


def show_table(frame: pd.DataFrame, max_html_rows: int = 30) -> None:
    """Small tables as HTML (readable, findable in the page); longer ones in the data grid: an HTML
    table of 50-100 rows took the browser 1.3 s to lay out on `medium` (the usage page's numbers),
    the grid draws only the rows in view (measured by benchmarks/bench_dashboard.py)."""
    frame = tidy(frame)
    if len(frame) <= max_html_rows:
        st.table(frame.reset_index(drop=True))
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


def monthly_chart(frame: pd.DataFrame, month: str, value: str, series: str, title: str | None = None,
                  percent: bool = False) -> None:
    """One line per series over months. The Vega-Lite spec is written out rather than built with
    Altair: Altair validates every chart against the Vega-Lite schema on each page run
    (about 0.1 s a chart), and these specs are fixed."""
    data = frame[[month, value, series]].copy()
    data[month] = pd.to_datetime(data[month])
    when = {"field": month, "timeUnit": "yearmonth", "type": "temporal", "title": "month"}
    spec = {
        "mark": {"type": "line", "point": True},
        "height": 340,
        "encoding": {
            "x": {**when, "axis": {"format": "%Y-%m", "tickCount": "month"}},
            "y": {"field": value, "type": "quantitative", "title": title or value,
                  **({"axis": {"format": "%"}} if percent else {})},
            "color": {"field": series, "type": "nominal", "title": None,
                      "legend": {"orient": "right", "labelLimit": 320}},
            "tooltip": [{**when, "format": "%Y-%m"}, {"field": series, "type": "nominal"},
                        {"field": value, "type": "quantitative"}],
        },
    }
    st.vega_lite_chart(data, spec, width="stretch")


def bar_chart(frame: pd.DataFrame, label: str, value: str, percent: bool = False) -> None:
    """Horizontal bars, one per label (a plain Vega-Lite spec, as monthly_chart)."""
    spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": label, "type": "nominal", "title": None, "sort": None,
                  "axis": {"labelLimit": 400}},
            "x": {"field": value, "type": "quantitative", "title": value,
                  **({"axis": {"format": "%"}} if percent else {})},
            "tooltip": [{"field": label, "type": "nominal"}, {"field": value, "type": "quantitative"}],
        },
    }
    st.vega_lite_chart(frame[[label, value]], spec, width="stretch")
