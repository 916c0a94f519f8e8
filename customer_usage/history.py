"""Which months a run reports (data-contract §1, "History is never cut off").

From the first month with data (the earliest start of an Active/Cancelled Zuora
subscription version, or the earliest ping, whichever is earlier) to the AS_OF
month (`CUSTOMER_USAGE_AS_OF`, else the month of the latest ping). Read before the
run starts, from the landing files when there are any (local, or prod loading
files), else from the raw tables already in the warehouse (prod observing
Snowflake), so one Dagster run can build exactly those monthly partitions.

The subscription start is taken over every Active/Cancelled version rather than
only paid lineages: the bound may start a few empty months early, never late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import dagster as dg

from customer_usage.settings import Settings
from customer_usage.sources.contract import table_spec
from customer_usage.sources.landing import find_table_file

PINGS = ("version_db", "usage_data")
SUBSCRIPTIONS = ("zuora", "subscription")


class HistoryError(ValueError):
    """A month that holds data cannot be built; the message names the month and the setting."""


@dataclass(frozen=True)
class DataMonths:
    first_ping: dt.date | None
    last_ping: dt.date | None
    first_subscription: dt.date | None

    @property
    def first(self) -> dt.date | None:
        starts = [d for d in (self.first_ping, self.first_subscription) if d is not None]
        return _month(min(starts)) if starts else None


def _month(day: dt.date | dt.datetime) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _landing_relation(settings: Settings, system_table: tuple[str, str]) -> str | None:
    found = find_table_file(settings.landing_dir, table_spec(*system_table))
    if found is None:
        return None
    path = str(found.path).replace("'", "''")
    if found.format == "parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true, all_varchar = true)"


def _bounds_from_landing(settings: Settings) -> DataMonths | None:
    pings = _landing_relation(settings, PINGS)
    subs = _landing_relation(settings, SUBSCRIPTIONS)
    if pings is None and subs is None:
        return None
    from customer_usage.warehouse import connect_duckdb

    with connect_duckdb(memory_limit=settings.duckdb_memory_limit) as con:
        first_ping = last_ping = first_sub = None
        if pings:
            first_ping, last_ping = con.execute(
                f"select min(try_cast(recorded_at as timestamp)), max(try_cast(recorded_at as timestamp)) from {pings}"
            ).fetchone()
        if subs:
            (first_sub,) = con.execute(
                f"select min(try_cast(subscription_start_date as date)) from {subs} "
                "where status in ('Active', 'Cancelled') "
                "and coalesce(lower(cast(deleted as varchar)), 'false') in ('false', '0', 'f')"
            ).fetchone()
    return DataMonths(_as_date(first_ping), _as_date(last_ping), _as_date(first_sub))


def _bounds_from_warehouse(settings: Settings) -> DataMonths | None:
    from customer_usage.warehouse import warehouse_resource_for

    pings, subs = table_spec(*PINGS), table_spec(*SUBSCRIPTIONS)
    with warehouse_resource_for(settings).connect() as wh:
        first_ping = last_ping = first_sub = None
        if wh.table_exists(pings.raw_schema, pings.table):
            first_ping, last_ping = wh.fetch_one(
                f"select min(recorded_at), max(recorded_at) from {pings.raw_schema}.{pings.table}"
            )
        if wh.table_exists(subs.raw_schema, subs.table):
            (first_sub,) = wh.fetch_one(
                f"select min(subscription_start_date) from {subs.raw_schema}.{subs.table} "
                "where status in ('Active', 'Cancelled') and not coalesce(deleted, false)"
            )
    return DataMonths(_as_date(first_ping), _as_date(last_ping), _as_date(first_sub))


def data_months(settings: Settings) -> DataMonths | None:
    """The data's bounds: landing files first, else the warehouse's raw tables, else None."""
    found = _bounds_from_landing(settings)
    if found is None and not settings.is_local:
        found = _bounds_from_warehouse(settings)
    return found


def months_to_build(
    settings: Settings, partitions_def: dg.MonthlyPartitionsDefinition, bounds: DataMonths | None
) -> tuple[str, str] | None:
    """First and last partition key to build: first month with data .. the AS_OF month.

    Raises HistoryError when a month with data falls outside the partitions.
    """
    if bounds is None or bounds.first is None:
        return None
    as_of = settings.as_of or bounds.last_ping or bounds.first_subscription
    last = _month(as_of)
    first = min(bounds.first, last)
    start = _month(partitions_def.start)
    if first < start:
        raise HistoryError(
            f"the data starts in {first:%Y-%m} (earliest ping or paid subscription start) but the monthly "
            f"partitions start in {start:%Y-%m}: set CUSTOMER_USAGE_PARTITIONS_START={first.isoformat()} "
            "(or earlier) so that no month with data is left out"
        )
    keys = partitions_def.get_partition_keys()
    if last.isoformat() > keys[-1]:
        raise HistoryError(
            f"the AS_OF month {last:%Y-%m} is after the last monthly partition {keys[-1][:7]}: "
            "check CUSTOMER_USAGE_AS_OF (or the latest recorded_at of version_db.usage_data)"
        )
    return first.isoformat(), last.isoformat()
