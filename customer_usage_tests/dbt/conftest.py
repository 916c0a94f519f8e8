"""Helpers of the model tests. The small build of landing_data (`small_build`, `small_warehouse`)
and the Snowflake compile (`prod_compile`) are session fixtures in customer_usage_tests/conftest.py,
shared with the docs_gen tests."""

from __future__ import annotations

import duckdb

from customer_usage.docs_gen.build import MODELS
from customer_usage_tests.helpers import FAKE_DATABASE  # noqa: F401 (imported from here by the tests)

MODEL_KEYS = [["intermediate" if m.startswith(("int_", "map_")) else "marts", m] for m in MODELS]


def q(path, sql: str):
    """Query the built warehouse read-only (the build ran in another process)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchdf()
