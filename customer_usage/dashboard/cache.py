"""Cached access to `queries` for the Streamlit pages.

One `Reader` per settings (read from the environment when a page runs); each
question's answer is cached for a few minutes, keyed by the settings and its
arguments, so moving between pages or metrics does not re-run heavy SQL, and a
process never serves one warehouse's answers for another.
"""

from __future__ import annotations

import streamlit as st

from customer_usage.dashboard import queries
from customer_usage.dashboard.reader import Reader
from customer_usage.settings import Settings

TTL_SECONDS = 300


@st.cache_resource(show_spinner=False)
def _reader(settings: Settings) -> Reader:
    return Reader(settings)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _ask(settings: Settings, question: str, *args):
    return getattr(queries, question)(_reader(settings), *args)


def ask(question: str, *args):
    """`queries.<question>(reader, *args)`, cached."""
    return _ask(Settings.from_env(), question, *args)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _tables(settings: Settings) -> frozenset[str]:
    return _reader(settings).tables("marts")


def tables() -> frozenset[str]:
    """Tables of the marts schema (which optional reports exist)."""
    return _tables(Settings.from_env())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _columns(settings: Settings, table: str) -> tuple[str, ...]:
    return _reader(settings).columns("marts", table)


def columns(table: str) -> tuple[str, ...]:
    return _columns(Settings.from_env(), table)
