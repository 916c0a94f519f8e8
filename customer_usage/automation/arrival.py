"""The arrival sensor (`local`): a file drop in the landing folder loads its tables.

One run per tick covers every changed table, so a drop of many files is one
load; the declarative automation then rebuilds what depends on them. Nothing
changed, nothing requested. While a write run is queued or running the sensor
waits without moving its cursor, so the change is picked up after that run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import dagster as dg

from customer_usage.automation.landing import LandingChanges, dump_cursor, parse_cursor, scan_landing, table_of
from customer_usage.automation.runs import run_in_progress
from customer_usage.warehouse import WRITER_TAGS

ARRIVAL_SENSOR_NAME = "landing_arrival_sensor"
# A changed file must be this old before it is loaded: copies still in progress
# wait, and the files of one drop end up in one run.
DEFAULT_SETTLE_SECONDS = 5.0
DEFAULT_INTERVAL_SECONDS = 15
MAX_TAG_FILES = 10


def build_arrival_sensor(
    landing_dir: Path,
    job: dg.UnresolvedAssetJobDefinition | dg.JobDefinition,
    *,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
    minimum_interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    name: str = ARRIVAL_SENSOR_NAME,
    writer_tags: Mapping[str, str] = WRITER_TAGS,
) -> dg.SensorDefinition:
    landing_dir = Path(landing_dir)
    writer_tags = dict(writer_tags)

    @dg.sensor(
        name=name,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            f"Watches {landing_dir} for added or changed <system>/<table>.parquet|csv extracts "
            "and loads exactly the changed source tables in one run."
        ),
    )
    def _arrival_sensor(context: dg.SensorEvaluationContext):
        busy = run_in_progress(context.instance, writer_tags)
        if busy is not None:
            return dg.SkipReason(
                f"Waiting: write run {busy.run_id} ({busy.job_name}) is {busy.status.value}; "
                "changes are picked up after it."
            )
        previous = parse_cursor(context.cursor)
        changes = scan_landing(landing_dir, previous, settle_seconds=settle_seconds)
        for rel in changes.unknown:
            context.log.warning(f"{landing_dir / rel}: not a table of the source contract, not loaded")
        for rel in changes.removed:
            context.log.warning(f"{landing_dir / rel}: removed from the landing folder; its table keeps the last load")
        if changes.unsettled:
            # Keep the old cursor entirely: the whole drop is loaded together once it settled.
            return dg.SkipReason(
                f"Waiting for {len(changes.unsettled)} file(s) still being written: "
                + ", ".join(sorted(changes.unsettled)[:MAX_TAG_FILES])
            )
        if context.cursor is None:
            _drop_already_loaded(context, changes)
        cursor = dump_cursor(changes.state)
        tables = changes.changed_tables
        if not tables:
            reason = "No new or changed extract files in " + str(landing_dir)
            return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
        changed_files = sorted(changes.changed)
        context.log.info(f"Loading {len(tables)} changed table(s) from: {', '.join(changed_files)}")
        request = dg.RunRequest(
            run_key=changes.run_key(),
            asset_selection=[dg.AssetKey([system, table]) for system, table in tables],
            tags={
                **writer_tags,
                "customer_usage/trigger": "landing_arrival",
                "customer_usage/changed_files": ",".join(changed_files[:MAX_TAG_FILES])
                + (f",+{len(changed_files) - MAX_TAG_FILES} more" if len(changed_files) > MAX_TAG_FILES else ""),
            },
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return _arrival_sensor


def _drop_already_loaded(context: dg.SensorEvaluationContext, changes: LandingChanges) -> None:
    """First tick (no cursor): files older than their table's last load are not new.

    Starting the sensor on a folder that `customer-usage run` already loaded
    must not reload everything; it only records what is there.
    """
    for rel, (_, mtime_ns, _) in list(changes.changed.items()):
        table = table_of(rel)
        event = context.instance.get_latest_materialization_event(dg.AssetKey(list(table))) if table else None
        if event is not None and event.timestamp * 1e9 >= mtime_ns:
            del changes.changed[rel]
            context.log.info(f"{rel}: already loaded (last load after the file's modification time)")
