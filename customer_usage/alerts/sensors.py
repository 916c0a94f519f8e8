"""Sensors that alert a human: a run failed, or a blocking check went ERROR.

Both are on by default and post through `post_alert`. The text names only the
job, run id, failed steps, asset and check, never an error message or a value:
those can quote rows (customer emails, names) or connection strings.
"""

from __future__ import annotations

import dagster as dg

from customer_usage.alerts.webhook import post_alert

RUN_FAILURE_SENSOR_NAME = "alert_on_run_failure"
CHECK_ERROR_SENSOR_NAME = "alert_on_blocking_check_error"
ALERT_INTERVAL_SECONDS = 30


def run_failure_text(job_name: str, run_id: str, failed_steps: list[str]) -> str:
    steps = ", ".join(sorted(set(failed_steps))) or "before any step"
    return (
        f":red_circle: customer_usage run failed: job `{job_name}`, run `{run_id}`, "
        f"failed at {steps}. Open the run in Dagster for the error; see docs/deployment.md "
        "\"When a run fails\"."
    )


def check_error_text(asset: str, check: str, run_id: str) -> str:
    return (
        f":warning: customer_usage blocking check `{check}` on `{asset}` is ERROR (run `{run_id}`): "
        "the exports that depend on it are held back. See docs/deployment.md "
        "\"When an export is held back\"."
    )


@dg.run_failure_sensor(
    name=RUN_FAILURE_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
    description="Posts a short message to ALERT_WEBHOOK_URL when a run of this code location fails.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    post_alert(run_failure_text(context.dagster_run.job_name, context.dagster_run.run_id, steps))


@dg.sensor(
    name=CHECK_ERROR_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=ALERT_INTERVAL_SECONDS,
    description="Posts a short message to ALERT_WEBHOOK_URL when a blocking asset check fails with ERROR.",
)
def alert_on_blocking_check_error(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Reads new check evaluations after the cursor (an event storage id); the first tick starts at now."""
    latest = context.instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=1, ascending=False
    )
    newest_id = latest[0].storage_id if latest else 0
    if context.cursor is None:
        context.update_cursor(str(newest_id))
        return dg.SkipReason("started: alerting on check evaluations from now on")
    after = int(context.cursor)
    records = context.instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, after_cursor=after),
        ascending=True,
        limit=500,
    )
    sent = 0
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        after = max(after, record.storage_id)
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR or not evaluation.blocking:
            continue
        post_alert(check_error_text(evaluation.asset_key.to_user_string(), evaluation.check_name, record.run_id))
        sent += 1
    context.update_cursor(str(after))
    return dg.SkipReason(f"{sent} blocking check error(s) alerted")


def build_alert_defs() -> dg.Definitions:
    return dg.Definitions(sensors=[alert_on_run_failure, alert_on_blocking_check_error])
