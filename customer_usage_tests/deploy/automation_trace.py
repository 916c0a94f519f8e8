"""Why the automation requested an asset: the true branches of its stored evaluations.

Printed by the production end-to-end test when an asset was built twice, so a
failure in CI says which condition (and which parent) asked for the second build.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg


def why_requested(instance: dg.DagsterInstance, key: dg.AssetKey, limit: int = 20) -> list[str]:
    """One block per evaluation that requested `key`, oldest first: time, then the true sub-conditions."""
    records = instance.schedule_storage.get_auto_materialize_asset_evaluations(key=key, limit=limit)
    blocks = []
    for record in sorted(records, key=lambda r: r.evaluation_id):
        evaluation = record.get_evaluation_with_run_ids().evaluation
        if evaluation.true_subset.size == 0:
            continue
        when = dt.datetime.fromtimestamp(record.timestamp, dt.timezone.utc).strftime("%H:%M:%S")
        lines = [f"{key.to_user_string()} requested at {when} (evaluation {record.evaluation_id})"]
        _true_branches(evaluation, depth=1, out=lines)
        blocks.append("\n".join(lines))
    return blocks


def _true_branches(evaluation, depth: int, out: list[str]) -> None:
    snapshot = evaluation.condition_snapshot
    if evaluation.true_subset.size == 0:
        return
    name = snapshot.label or snapshot.name or snapshot.description
    out.append("  " * depth + f"{name} [{snapshot.class_name}] true={evaluation.true_subset.size}")
    for child in evaluation.child_evaluations:
        _true_branches(child, depth + 1, out)


def event_history(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[str]:
    """Planned and done materializations of `key` with their storage ids, and its cached partition status."""
    lines = []
    for event_type in (dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_MATERIALIZATION):
        records = instance.get_event_records(dg.EventRecordsFilter(event_type=event_type, asset_key=key))
        for record in sorted(records, key=lambda r: r.storage_id):
            when = dt.datetime.fromtimestamp(record.timestamp, dt.timezone.utc).strftime("%H:%M:%S")
            partition = record.event_log_entry.dagster_event.partition
            lines.append(f"  {event_type.value} id={record.storage_id} at {when} partition={partition} "
                         f"run={record.run_id[:8]}")
    asset_record = next(iter(instance.get_asset_records(asset_keys=[key])), None)
    if asset_record is not None:
        entry = asset_record.asset_entry
        lines.append(f"  asset record: last_materialization_storage_id={entry.last_materialization_storage_id} "
                     f"cached_status={entry.cached_status}")
    return [f"{key.to_user_string()} events:", *sorted(lines)]


def why_held(instance: dg.DagsterInstance, key: dg.AssetKey, limit: int = 50) -> list[str]:
    """The evaluation just before `key`'s first request: the sub-conditions that were false then."""
    records = sorted(instance.schedule_storage.get_auto_materialize_asset_evaluations(key=key, limit=limit),
                     key=lambda r: r.evaluation_id)
    previous = None
    for record in records:
        if record.get_evaluation_with_run_ids().evaluation.true_subset.size:
            break
        previous = record
    if previous is None:
        return []
    when = dt.datetime.fromtimestamp(previous.timestamp, dt.timezone.utc).strftime("%H:%M:%S")
    lines = [f"{key.to_user_string()} held at {when} (evaluation {previous.evaluation_id}) by:"]
    _false_branches(previous.get_evaluation_with_run_ids().evaluation, depth=1, out=lines)
    return lines


def _false_branches(evaluation, depth: int, out: list[str]) -> None:
    snapshot = evaluation.condition_snapshot
    name = snapshot.label or snapshot.name or snapshot.description
    mark = "true" if evaluation.true_subset.size else "FALSE"
    out.append("  " * depth + f"{name} [{snapshot.class_name}] {mark}")
    if evaluation.true_subset.size:  # not what held it back
        return
    for child in evaluation.child_evaluations:
        _false_branches(child, depth + 1, out)
