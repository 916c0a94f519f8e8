"""Prod: the Snowflake raw tables are observed on a schedule.

In prod the EL tool writes `raw_<system>.<table>`; the source assets are
observable (customer_usage/sources/observe.py): observing one records its row
count and last-altered time, and that pair is its data version. A changed data
version is what declarative automation calls an update, so a changed
observation starts the downstream refresh exactly like a new file locally; an
unchanged one starts nothing.
"""

from __future__ import annotations

import dagster as dg

OBSERVE_JOB_NAME = "observe_raw_tables"
OBSERVATION_SCHEDULE_NAME = "observe_raw_tables_schedule"
OBSERVATION_CRON = "*/15 * * * *"


def build_observation_job(selection: dg.AssetSelection, tags: dict[str, str]) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        OBSERVE_JOB_NAME,
        selection=selection,
        tags=tags,
        description="Reads row count and last-altered time of every raw table (information schema, no scan).",
    )


def build_observation_schedule(
    job: dg.UnresolvedAssetJobDefinition,
    *,
    cron_schedule: str = OBSERVATION_CRON,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.RUNNING,
) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=OBSERVATION_SCHEDULE_NAME,
        job=job,
        cron_schedule=cron_schedule,
        execution_timezone="UTC",
        default_status=default_status,
        tags={"customer_usage/trigger": "raw_observation"},
        description=(
            "Observes the Snowflake raw tables every 15 minutes; a changed row count or "
            "last-altered time makes the downstream models refresh."
        ),
    )
