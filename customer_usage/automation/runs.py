"""Questions sensors ask the Dagster instance about runs."""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import dagster as dg

from customer_usage.compat import IN_PROGRESS_RUN_STATUSES

# Dagster's IN_PROGRESS_RUN_STATUSES are the runs holding a worker (starting, started,
# canceling, suspended). A run waiting in the queue, or created and not yet submitted,
# will still write: for "is work pending on this?" those count too.
UNFINISHED_RUN_STATUSES = [
    *IN_PROGRESS_RUN_STATUSES,
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
]


def run_in_progress(instance: dg.DagsterInstance, tags: Mapping[str, str]) -> dg.DagsterRun | None:
    """A queued, starting or running run carrying `tags`, if any.

    Sensors check this before requesting a write: a second writer on the DuckDB
    file would only queue behind the first, and the change it would load may be
    part of a drop still being copied.
    """
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=UNFINISHED_RUN_STATUSES, tags=dict(tags)), limit=1
    )
    return records[0].dagster_run if records else None


def assets_of_unfinished_runs(
    instance: dg.DagsterInstance, finished_since: dt.datetime | None = None
) -> frozenset[dg.AssetKey]:
    """Every asset selected by a run that has not finished (queued, starting or running),
    or that finished at or after `finished_since`."""
    runs = list(instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED_RUN_STATUSES)))
    if finished_since is not None:
        runs += [
            record.dagster_run
            for record in instance.get_run_records(filters=dg.RunsFilter(updated_after=finished_since))
            if record.end_time is not None and record.end_time >= finished_since.timestamp()
        ]
    return frozenset(key for run in runs for key in run.asset_selection or ())
