"""Turn a sync table into records to send, and guard them against personal data.

The content hash of a record is what the diff compares, so values are first
normalised to one JSON form whatever the warehouse driver returned (DuckDB gives
numpy types and NaN, Snowflake gives Decimal and None; a BIGINT column with a
NULL comes back as float): the same warehouse content always hashes the same.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import math
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd

# Column names that would carry a person's data; sync models must not select them.
PII_COLUMN = re.compile(
    r"(^|_)(e?mail|email_address|first_name|last_name|full_name|person_name|user_name|username|phone|contact_name)($|_)"
)
EMAIL_VALUE = re.compile(r"[^@\s'\"<>]+@[^@\s'\"<>]+\.[A-Za-z]{2,}")


class ExportDataError(ValueError):
    """The sync table cannot be exported as it is; the message names table, column and row."""


def normalise(value: Any) -> Any:
    """One JSON-ready form per value: None, bool, int, float, or ISO-8601 string."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.isoformat(timespec="seconds") if not pd.isna(value) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat(timespec="seconds")
    return str(value)


def _column_values(series: pd.Series, is_date: bool) -> list[Any]:
    """A column's values in normalised form, vectorised for the common dtypes."""
    dtype = series.dtype
    kind = dtype.kind
    if kind == "M":
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        text = np.datetime_as_string(series.to_numpy(), unit="D" if is_date else "s")
        return [None if t == "NaT" else t for t in text.tolist()]
    if isinstance(dtype, (pd.Int64Dtype, pd.Int32Dtype, pd.Int16Dtype, pd.Int8Dtype, pd.BooleanDtype)):
        return series.astype(object).where(series.notna(), None).tolist()  # Python int/bool or None
    if kind in "iub":
        return series.tolist()  # numpy ints/bools -> Python ints/bools
    if kind == "f":
        array = series.to_numpy(dtype="float64")
        missing = np.isnan(array)
        integral = ~missing & (np.abs(array) < 2**53) & (array == np.round(array))
        return [
            None if m else (int(v) if i else v)
            for v, m, i in zip(array.tolist(), missing.tolist(), integral.tolist())
        ]
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v if v is None or v.__class__ is str else normalise(v) for v in values]


def frame_columns(frame: pd.DataFrame, date_columns: Iterable[str] = ()) -> tuple[list[str], list[list[Any]]]:
    """Column names (lower case) and each column's normalised values.

    `date_columns` (DATE in the warehouse; DuckDB hands them over as timestamps)
    are sent as YYYY-MM-DD.
    """
    columns = [str(c).lower() for c in frame.columns]
    dates = {c.lower() for c in date_columns}
    return columns, [_column_values(frame.iloc[:, i], columns[i] in dates) for i in range(len(columns))]


def row_digests(fields: list[str], values: list[list[Any]]) -> list[str]:
    """One stable digest per row of the columns `values` (named `fields`).

    Columns are taken in field-name order, so reordering the sync model's columns
    changes nothing, while renaming a destination field resends every row once.
    Values are normalised Python primitives, whose repr is stable.
    """
    order = sorted(range(len(fields)), key=lambda i: fields[i])
    prefix = repr([fields[i] for i in order]).encode("utf-8")
    md5 = hashlib.md5
    return [
        md5(prefix + repr(row).encode("utf-8"), usedforsecurity=False).hexdigest()
        for row in zip(*(values[i] for i in order))
    ]


def check_no_pii(table: str, columns: list[str], values: list[list[Any]]) -> None:
    """Refuse, loudly, to export a column or value that looks like a person's data.

    The sync models select company-level columns only; this is the second line of
    defence should a model change, and it fails the export rather than silently
    dropping the column so the model gets fixed.
    """
    bad = [c for c in columns if PII_COLUMN.search(c.lower())]
    if bad:
        raise ExportDataError(
            f"{table}: column(s) {', '.join(bad)} look like personal data and are never exported; "
            "remove them from the sync model"
        )
    for column, column_values in zip(columns, values):
        strings = [v for v in column_values if v.__class__ is str]
        if not strings or "@" not in "\x00".join(strings):
            continue
        for index, value in enumerate(column_values):
            if value.__class__ is str and "@" in value and EMAIL_VALUE.search(value):
                raise ExportDataError(
                    f"{table}: row {index} column {column} holds an e-mail address; "
                    "personal data is never exported"
                )


def check_keys(table: str, key_column: str, key_values: list[Any]) -> list[str]:
    """The export key must be present and unique: it is the upsert key at the destination."""
    keys = ["" if k is None else str(k) for k in key_values]
    for index, key in enumerate(keys):
        if key == "":
            raise ExportDataError(f"{table}: row {index} has an empty {key_column}")
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise ExportDataError(f"{table}: {key_column}={key} appears more than once")
            seen.add(key)
    return keys
