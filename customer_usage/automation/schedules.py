"""The daily safety-net schedule (off by default; switch it on in the UI)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from customer_usage.automation.stale import find_stale

SAFETY_NET_SCHEDULE_NAME = "daily_stale_refresh_schedule"
SAFETY_NET_CRON = "0 5 * * *"  # 05:00 UTC, after the nightly extracts


def build_safety_net_schedule(
    job: dg.UnresolvedAssetJobDefinition | dg.JobDefinition,
    landing_dir: Path | None,
    tags: dict[str, str],
    *,
    cron_schedule: str = SAFETY_NET_CRON,
    default_status: dg.DefaultScheduleStatus = dg.DefaultScheduleStatus.STOPPED,
    name: str = SAFETY_NET_SCHEDULE_NAME,
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron_schedule,
        execution_timezone="UTC",
        default_status=default_status,
        description=(
            "Safety net: once a day, rebuilds whatever the sensors and automation left stale "
            "(changed landing files not loaded, assets older than their parents or never built)."
        ),
    )
    def _safety_net(context: dg.ScheduleEvaluationContext):
        graph = context.repository_def.asset_graph
        stale = find_stale(context.instance, graph, landing_dir)
        if not stale.keys:
            return dg.SkipReason("Nothing stale")
        for key, reason in sorted(stale.reasons.items()):
            context.log.info(f"{key.to_user_string()}: {reason}")
        return dg.RunRequest(
            asset_selection=sorted(stale.keys),
            partition_key=stale.partition_key,
            tags={**tags, "customer_usage/trigger": "daily_safety_net"},
        )

    return _safety_net
