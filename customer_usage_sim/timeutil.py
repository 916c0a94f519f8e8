"""Calendar helpers for the simulation (months, clamped days, random instants)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def history_start(as_of: dt.date, months: int) -> dt.date:
    """First day of the month `months` months before the as-of month (inclusive window)."""
    return add_months(month_start(as_of), -(months - 1))


def to_day(d: dt.date) -> np.datetime64:
    return np.datetime64(d, "D")


def days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def random_dates(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    """Uniform dates in [start, end] as datetime64[D]."""
    span = max((end - start).days, 0)
    return np.datetime64(start, "D") + rng.integers(0, span + 1, size=n).astype("timedelta64[D]")


def day_plus_seconds(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random time of day on each date, as datetime64[us]."""
    secs = rng.integers(0, 86400, size=len(days)).astype("timedelta64[s]")
    return (days.astype("datetime64[s]") + secs).astype("datetime64[us]")
