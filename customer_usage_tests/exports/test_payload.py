"""Normalisation and hashing: the same warehouse content must always give the same digest."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd

from customer_usage.exports.payload import frame_columns, row_digests


def rows(frame, dates=()):
    columns, values = frame_columns(frame, dates)
    return columns, list(zip(*values))


def test_driver_types_normalise_to_one_form():
    duckdb_like = pd.DataFrame({
        "k": ["a", "b"],
        "seats": [5.0, np.nan],  # BIGINT with a NULL arrives as float
        "month": pd.to_datetime(["2026-10-01", None]),
        "at": pd.to_datetime(["2026-10-28 10:00:01", None]),
        "ratio": [0.25, 1.5],
        "flag": pd.array([True, None], dtype="boolean"),
    })
    snowflake_like = pd.DataFrame({
        "k": ["a", "b"],
        "seats": [decimal.Decimal(5), None],
        "month": [dt.date(2026, 10, 1), None],
        "at": [dt.datetime(2026, 10, 28, 10, 0, 1), None],
        "ratio": [decimal.Decimal("0.25"), decimal.Decimal("1.5")],
        "flag": [True, None],
    })
    columns, a = rows(duckdb_like, dates=["month"])
    _, b = rows(snowflake_like)
    assert a == b == [("a", 5, "2026-10-01", "2026-10-28T10:00:01", 0.25, True),
                      ("b", None, None, None, 1.5, None)]
    assert row_digests(columns, [list(c) for c in zip(*a)]) == row_digests(columns, [list(c) for c in zip(*b)])


def test_hash_sees_values_and_field_names_not_column_order():
    def digest(fields, row):
        return row_digests(fields, [[v] for v in row])[0]

    assert digest(["k", "seats"], ("a", 5)) != digest(["k", "seats"], ("a", 6))
    assert digest(["k", "seats"], ("a", 5)) == digest(["seats", "k"], (5, "a"))
    assert digest(["k", "seats"], ("a", 5)) != digest(["k", "seats__c"], ("a", 5))
    no_null = pd.DataFrame({"k": ["a"], "seats": np.array([5], dtype="int64")})
    with_null = pd.DataFrame({"k": ["a", "b"], "seats": pd.array([5, None], dtype="Int64")})
    assert rows(no_null)[1][0] == rows(with_null)[1][0] == ("a", 5)
    assert digest(["k", "seats"], rows(no_null)[1][0]) == digest(["k", "seats"], rows(with_null)[1][0])
