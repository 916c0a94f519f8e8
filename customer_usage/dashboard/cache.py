"""Cached access to `queries` for the Streamlit pages.

One `Reader` per server process (settings read from the environment when the
first page loads); each question's answer is cached for a few minutes, keyed by
its arguments, so moving between pages or metrics does not re-run heavy SQL.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from customer_usage.dashboard import queries
from customer_usage.dashboard.reader import Reader
from customer_usage.settings import Settings

TTL_SECONDS = 300


@st.cache_resource(show_spinner=False)
def reader() -> Reader:
    return Reader(Settings.from_env())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def ask(question: str, *args):
    """`queries.<question>(reader, *args)`, cached."""
    return getattr(queries, question)(reader(), *args)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def tables() -> frozenset[str]:
    return reader().tables("marts")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def columns(table: str) -> tuple[str, ...]:
    return reader().columns("marts", table)


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers shown as integers (sums come back as floats), ratios rounded."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype.kind == "f":
            finite = column.dropna()
            if len(finite) and (finite == finite.round()).all() and "utilization" not in name and "coverage" not in name \
                    and "percent" not in name and "score" not in name:
                out[name] = column.round().astype("Int64")
            else:
                out[name] = column.round(3)
    return out


def show_table(frame: pd.DataFrame, max_html_rows: int = 200) -> None:
    """Small tables as HTML (readable, searchable in the page); large ones in the grid."""
    frame = tidy(frame)
    if len(frame) <= max_html_rows:
        st.table(frame.reset_index(drop=True))
    else:
        st.dataframe(frame, hide_index=True, use_container_width=True)
