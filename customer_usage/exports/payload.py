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
import json
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
    kind = series.dtype.kind
    if kind == "M":
        text = series.dt.strftime("%Y-%m-%d" if is_date else "%Y-%m-%dT%H:%M:%S")
        return text.astype(object).where(series.notna(), None).tolist()
    if kind in "iub" and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.tolist()  # numpy ints/bools -> Python ints/bools
    values = series.astype(object).where(series.notna(), None).tolist()
    return [normalise(v) for v in values]


def frame_to_records(frame: pd.DataFrame, date_columns: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Records of normalised values; `date_columns` (DATE in the warehouse) are sent as YYYY-MM-DD."""
    columns = [str(c).lower() for c in frame.columns]
    dates = {c.lower() for c in date_columns}
    values = [_column_values(frame.iloc[:, i], columns[i] in dates) for i in range(len(columns))]
    return [dict(zip(columns, row)) for row in zip(*values)]


def content_hash(record: dict[str, Any]) -> str:
    """Stable digest of a record's content (field order does not matter)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def check_no_pii(table: str, columns: Iterable[str], records: list[dict[str, Any]]) -> None:
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
    for index, record in enumerate(records):
        for column, value in record.items():
            if isinstance(value, str) and EMAIL_VALUE.search(value):
                raise ExportDataError(
                    f"{table}: row {index} column {column} holds an e-mail address; "
                    "personal data is never exported"
                )


def check_keys(table: str, key_column: str, records: list[dict[str, Any]]) -> list[str]:
    """The export key must be present and unique: it is the upsert key at the destination."""
    keys: list[str] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        if key_column not in record:
            raise ExportDataError(f"{table}: key column {key_column} is missing")
        key = record[key_column]
        if key is None or key == "":
            raise ExportDataError(f"{table}: row {index} has an empty {key_column}")
        key = str(key)
        if key in seen:
            raise ExportDataError(f"{table}: {key_column}={key} appears more than once")
        seen.add(key)
        keys.append(key)
    return keys
