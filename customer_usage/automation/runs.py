"""Questions sensors ask the Dagster instance about runs."""

from __future__ import annotations

from typing import Mapping

import dagster as dg

from customer_usage.compat import IN_PROGRESS_RUN_STATUSES


def run_in_progress(instance: dg.DagsterInstance, tags: Mapping[str, str]) -> dg.DagsterRun | None:
    """A queued or running run carrying `tags`, if any.

    Sensors check this before requesting a write: a second writer on the DuckDB
    file would only queue behind the first, and the change it would load may be
    part of a drop still being copied.
    """
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=list(IN_PROGRESS_RUN_STATUSES), tags=dict(tags)), limit=1
    )
    return records[0].dagster_run if records else None
