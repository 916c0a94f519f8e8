"""Monthly partitions shared by ping-derived facts, the mart and their exports."""

from __future__ import annotations

import os

import dagster as dg

DEFAULT_PARTITIONS_START = "2024-01-01"


def monthly_partitions(settings=None) -> dg.MonthlyPartitionsDefinition:
    """Months from CUSTOMER_USAGE_PARTITIONS_START; the current, open month included."""
    start = os.environ.get("CUSTOMER_USAGE_PARTITIONS_START", DEFAULT_PARTITIONS_START)
    return dg.MonthlyPartitionsDefinition(start_date=start, end_offset=1)
