"""Cached access to `queries` for the Streamlit pages.

One `Reader` per server process (settings read from the environment when the
first page loads); each question's answer is cached for a few minutes, keyed by
its arguments, so moving between pages or metrics does not re-run heavy SQL.
"""

from __future__ import annotations

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
