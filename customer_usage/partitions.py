"""Monthly partitions shared by ping-derived facts, the mart and their exports.

The definition starts at `Settings.partitions_start` (2010-01 by default, early
enough for any realistic extract) and runs to the current, open month; which of
those months a run builds is decided from the data (`history.months_to_build`).
"""

from __future__ import annotations

import dagster as dg

from customer_usage.settings import Settings


def monthly_partitions(settings: Settings | None = None) -> dg.MonthlyPartitionsDefinition:
    settings = settings or Settings.from_env()
    return dg.MonthlyPartitionsDefinition(start_date=settings.partitions_start.isoformat(), end_offset=1)
