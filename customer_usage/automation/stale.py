"""The daily safety net: what would the automation have rebuilt, had it been running?

Sensors and the automation can be paused, a daemon can be down when files land.
Once a day (when the schedule is switched on) this finds:

- source tables whose landing file changed after their last load (local only;
  in prod the observation sensor owns that question);
- automated assets never built, or built before one of their parents' latest
  materialization (for monthly assets: the open month's partition);

and requests one run over those and everything automated downstream of them.
Exports are left to the export sensor, which fires on the mart's refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import dagster as dg

from customer_usage.compat import BaseAssetGraph
from customer_usage.automation.landing import contract_tables, list_extract_files, table_of


@dataclass(frozen=True)
class StaleAssets:
    keys: set[dg.AssetKey]
    reasons: dict[dg.AssetKey, str]
    partition_key: str | None


def _last_partition_key(graph: BaseAssetGraph, key: dg.AssetKey) -> str | None:
    partitions_def = graph.get(key).partitions_def
    if partitions_def is None:
        return None
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        return partitions_def.get_last_partition_key()
    keys = partitions_def.get_partition_keys()
    return keys[-1] if keys else None


def _latest_timestamp(instance: dg.DagsterInstance, key: dg.AssetKey, partition_key: str | None) -> float | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition_key] if partition_key else None),
        limit=1,
    ).records
    return records[0].timestamp if records else None


def landing_file_times(landing_dir: Path) -> dict[dg.AssetKey, float]:
    """Modification time of each contract table's extract (the newer, if csv and parquet both exist)."""
    known = contract_tables()
    times: dict[dg.AssetKey, float] = {}
    for rel, path in list_extract_files(landing_dir).items():
        table = table_of(rel)
        if table in known:
            key = dg.AssetKey(list(table))
            times[key] = max(times.get(key, 0.0), path.stat().st_mtime)
    return times


def find_stale(
    instance: dg.DagsterInstance,
    graph: BaseAssetGraph,
    landing_dir: Path | None,
    automated: Iterable[dg.AssetKey] | None = None,
) -> StaleAssets:
    materializable = set(graph.materializable_asset_keys)
    if automated is None:
        automated = {k for k in materializable if graph.get(k).automation_condition is not None}
    automated = set(automated) & materializable
    reasons: dict[dg.AssetKey, str] = {}
    latest: dict[dg.AssetKey, float | None] = {}

    def latest_of(key: dg.AssetKey) -> float | None:
        if key not in latest:
            latest[key] = _latest_timestamp(instance, key, _last_partition_key(graph, key))
        return latest[key]

    if landing_dir is not None:
        for key, mtime in landing_file_times(landing_dir).items():
            if key not in materializable:
                continue
            loaded = latest_of(key)
            if loaded is None or loaded < mtime:
                reasons[key] = "never loaded" if loaded is None else "landing file changed after the last load"

    for key in automated:
        built = latest_of(key)
        if built is None:
            reasons.setdefault(key, "never materialized")
            continue
        newer = [p for p in graph.get(key).parent_keys if p in materializable and (latest_of(p) or 0) > built]
        if newer:
            reasons.setdefault(key, "older than " + ", ".join(p.to_user_string() for p in sorted(newer)))

    keys = set(reasons)
    frontier = list(keys)
    while frontier:
        for child in graph.get(frontier.pop()).child_keys:
            if child in automated and child not in keys:
                keys.add(child)
                frontier.append(child)
    partition_keys = {_last_partition_key(graph, k) for k in keys} - {None}
    return StaleAssets(keys=keys, reasons=reasons, partition_key=max(partition_keys) if partition_keys else None)
