"""Dry run: what the next export run would send, without sending or changing state.

`customer-usage export --dry-run [--export NAME]` and the `exports/export_preview`
asset both call `dry_run`: per export the counts to insert / update /
clear-or-delete / leave, and a JSONL preview (the first N rows of each kind,
as the destination would receive them) in `<data folder>/export_preview/`.
It reads the sync tables and the sync state only: nothing is sent, and no
table is written.

(No `from __future__ import annotations` here: Dagster inspects the `context`
annotation of asset functions.)
"""

import json
from pathlib import Path
from typing import Any

import dagster as dg

from customer_usage.exports.mapping import ExportMapping, load_mappings
from customer_usage.exports.plan import plan_export, preview
from customer_usage.exports.sync import ExportPolicy
from customer_usage.warehouse import WAREHOUSE_POOL, Warehouse, WarehouseResource

PREVIEW_KEY = dg.AssetKey(["exports", "export_preview"])


def dry_run(warehouse: Warehouse, mappings: dict[str, ExportMapping], policy: ExportPolicy, folder: Path,
            exports: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per export: counts and the preview file written."""
    unknown = sorted(set(exports or []) - set(mappings))
    if unknown:
        raise ValueError(f"unknown export(s) {', '.join(unknown)}; known: {', '.join(sorted(mappings))}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary: dict[str, dict[str, Any]] = {}
    for name, mapping in sorted(mappings.items()):
        if exports and name not in exports:
            continue
        plan = plan_export(warehouse, mapping, policy.park_after_failures)
        lines = preview(plan, policy.preview_rows)
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines),
                        encoding="utf-8")
        summary[name] = {**plan.counts(), "rows_in_sync_table": plan.total, "preview": lines,
                         "preview_file": str(path), "on_removed": mapping.on_removed}
    return summary


def format_summary(summary: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'export':<32} {'insert':>7} {'update':>7} {'clear/delete':>13} {'leave':>7} {'(parked)':>9}"]
    for name, counts in summary.items():
        lines.append(f"{name:<32} {counts['insert']:>7} {counts['update']:>7} {counts['clear_or_delete']:>13} "
                     f"{counts['leave']:>7} {counts['parked']:>9}")
    lines += [f"preview ({counts['on_removed']} removed rows): {counts['preview_file']}"
              for counts in summary.values()]
    return "\n".join(lines)


def build_preview_asset(folder: Path, policy: ExportPolicy, sync_keys: list[dg.AssetKey],
                        mappings: dict[str, ExportMapping] | None = None) -> dg.AssetsDefinition:
    mappings = mappings or load_mappings()

    @dg.asset(
        key=PREVIEW_KEY,
        deps=sync_keys,
        group_name="exports",
        pool=WAREHOUSE_POOL,
        kinds={"preview"},
        description=("Dry run of the exports: what the next run would insert, update, clear or delete and "
                     "leave, with the first rows of each kind. Sends nothing and changes no state; "
                     "materialize it before an export to see what it will do."),
    )
    def export_preview(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as wh:
            summary = dry_run(wh, mappings, policy, folder)
        context.log.info("\n" + format_summary(summary))
        metadata: dict[str, Any] = {}
        for name, counts in summary.items():
            for kind in ("insert", "update", "clear_or_delete", "leave", "parked"):
                metadata[f"{name}/{kind}"] = counts[kind]
            metadata[f"{name}/preview"] = dg.MetadataValue.json(counts["preview"])
            metadata[f"{name}/preview_file"] = dg.MetadataValue.path(counts["preview_file"])
        return dg.MaterializeResult(metadata=metadata)

    return export_preview
