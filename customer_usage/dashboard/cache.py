"""Cached access to the dashboard's questions (`queries`, `glance`) for the Streamlit pages.

Each answer is cached per process, keyed by the settings, a stamp of the
warehouse and the question's arguments: the local DuckDB file's modification
time, so a page never re-runs SQL while the file is unchanged and a rebuild by
`customer-usage run` invalidates every answer at once; in prod (Snowflake, no
file to stat) a time bucket of TTL_SECONDS. A process never serves one
warehouse's answers for another.
"""

from __future__ import annotations

import time

import streamlit as st

from customer_usage.dashboard import glance, queries
from customer_usage.dashboard.reader import Reader
from customer_usage.settings import Settings

TTL_SECONDS = 300
MAX_ENTRIES = 512  # answers kept per question kind (a few customers x metrics); old ones are dropped
MODULES = (queries, glance)


def _stamp(settings: Settings) -> int:
    """Changes when the warehouse may have changed: the DuckDB file's mtime (0 before it exists)."""
    if settings.is_local:
        try:
            return settings.duckdb_path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0
    return int(time.time() // TTL_SECONDS)


@st.cache_resource(show_spinner=False)
def _reader(settings: Settings) -> Reader:
    return Reader(settings)


def _question(name: str):
    for module in MODULES:
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"no dashboard question {name!r}")


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _ask(settings: Settings, stamp: int, question: str, *args):
    return _question(question)(_reader(settings), *args)


def ask(question: str, *args):
    """`<queries|glance>.<question>(reader, *args)`, cached until the warehouse changes."""
    settings = Settings.from_env()
    return _ask(settings, _stamp(settings), question, *args)


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _tables(settings: Settings, stamp: int) -> frozenset[str]:
    return _reader(settings).tables("marts")


def tables() -> frozenset[str]:
    """Tables of the marts schema (which optional reports exist)."""
    settings = Settings.from_env()
    return _tables(settings, _stamp(settings))


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)
def _columns(settings: Settings, stamp: int, table: str) -> tuple[str, ...]:
    return _reader(settings).columns("marts", table)


def columns(table: str) -> tuple[str, ...]:
    settings = Settings.from_env()
    return _columns(settings, _stamp(settings), table)
