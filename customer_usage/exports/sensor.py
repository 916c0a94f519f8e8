"""The sensor that exports once per mart refresh, and only a refresh that passed its checks.

Why a plain sensor rather than an automation condition: the export must run
exactly once per materialization of the mart (not "when stale"), and must look
at the blocking checks evaluated in the run that produced that materialization,
including checks that were planned but never ran because the run failed first.

Cursor = storage id of the last mart materialization handled. A backfill that
writes many monthly partitions in one run is one refresh: only its latest
materialization is exported. The run key is that materialization's storage id,
so even a reset cursor cannot export the same refresh twice.

A refresh whose own run already materialized the exports (the main job,
`customer-usage run`, builds everything in one run) is not exported again: the
cursor moves past it. Otherwise `make dev` right after `make run` would start a
second export run of the same refresh (the sensor starts without a cursor).

Coverage checks do not block the mart (they hold exports back, `holds.py`): when
every export is held by the latest coverage results, the sensor skips with the
hold messages as its reason; when only some are, it requests the run and the
held export asset records its own hold.
"""

import dagster as dg

from customer_usage.exports import holds

SENSOR_NAME = "export_on_mart_refresh"
EXPORT_INTERVAL_SECONDS = 30


def failed_blocking_checks(
    instance: dg.DagsterInstance,
    run_id: str,
    asset_key: dg.AssetKey,
    is_blocking=lambda check_key: True,
) -> list[str]:
    """Blocking checks of `asset_key` in `run_id` that failed, or were planned and never ran."""
    planned: set[dg.AssetCheckKey] = set()
    evaluated: dict[dg.AssetCheckKey, bool] = {}
    records = instance.get_records_for_run(
        run_id,
        of_type={dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, dg.DagsterEventType.ASSET_CHECK_EVALUATION},
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.event_specific_data
        if data.asset_key != asset_key:
            continue
        key = dg.AssetCheckKey(data.asset_key, data.check_name)
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            if is_blocking(key):
                planned.add(key)
        else:
            blocking = data.blocking if data.blocking is not None else is_blocking(key)
            if blocking:
                planned.add(key)
                evaluated[key] = evaluated.get(key, True) and data.passed
    return sorted(
        f"{k.name}{'' if k in evaluated else ' (did not run)'}"
        for k in planned
        if not evaluated.get(k, False)
    )


def exported_in_run(instance: dg.DagsterInstance, run_id: str, export_keys) -> bool:
    """True when `run_id` handled every one of `export_keys`: materialized it, or recorded
    that it was held back (an observation, `holds.py`). Either way the refresh was exported."""
    if not export_keys:
        return False
    records = instance.get_records_for_run(
        run_id, of_type={dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_OBSERVATION},
        limit=100_000).records
    made = {r.event_log_entry.dagster_event.asset_key for r in records}
    return set(export_keys) <= made


def build_export_sensor(
    job,
    mart_key: dg.AssetKey,
    run_tags: dict[str, str] | None = None,
    minimum_interval_seconds: int = EXPORT_INTERVAL_SECONDS,
    default_status: dg.DefaultSensorStatus = dg.DefaultSensorStatus.RUNNING,
    export_keys=(),
) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            f"Runs {job.name} once per materialization of {mart_key.to_user_string()}, "
            "after its run finished with every blocking check passed."
        ),
    )
    def export_on_mart_refresh(context: dg.SensorEvaluationContext):
        after = int(context.cursor) if context.cursor else None
        result = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=mart_key, after_storage_id=after), limit=10_000, ascending=True
        )
        if not result.records:
            return dg.SkipReason(f"no new materialization of {mart_key.to_user_string()}")
        latest = result.records[-1]
        run = context.instance.get_run_by_id(latest.run_id) if latest.run_id else None
        if run is not None and not run.is_finished:
            return dg.SkipReason(f"waiting for run {latest.run_id} to finish (its checks may still run)")

        def is_blocking(check_key: dg.AssetCheckKey) -> bool:
            try:
                return bool(context.repository_def.asset_graph.get_check_spec(check_key).blocking)
            except Exception:  # check not in this code location (renamed, removed)
                return False

        failed = failed_blocking_checks(context.instance, latest.run_id, mart_key, is_blocking)
        context.update_cursor(str(latest.storage_id))
        if latest.run_id and exported_in_run(context.instance, latest.run_id, export_keys):
            return dg.SkipReason(
                f"{mart_key.to_user_string()} materialization {latest.storage_id} was exported by its own "
                f"run {latest.run_id}; not exported again"
            )
        if failed:
            return dg.SkipReason(
                f"{mart_key.to_user_string()} materialization {latest.storage_id} (run {latest.run_id}) "
                f"failed blocking checks: {', '.join(failed)}; not exported"
            )
        held = holds.holds_from_latest_checks(context.instance)
        if held and set(holds.EXPORT_MEASURES) <= {h.export for h in held}:
            return dg.SkipReason(
                f"{mart_key.to_user_string()} materialization {latest.storage_id} (run {latest.run_id}) "
                f"not exported: {'; '.join(h.message for h in held)}"
            )
        for hold in held:
            context.log.info(hold.message)
        return dg.RunRequest(
            run_key=f"{mart_key.to_user_string()}@{latest.storage_id}",
            tags={**(run_tags or {}), "customer_usage/mart_storage_id": str(latest.storage_id)},
        )

    return export_on_mart_refresh
