"""Charts in the Dagster UI: the metadata of the integration reports' materializations.

`attach_charts` passes the dbt event stream through, holds back the materializations of
the reports in `REPORT_CHARTS` and yields them last with their chart attached (the
tables exist only once dbt has built them). Wiring (customer_usage/dbt/assets.py):
    yield from attach_charts(events, report_charts(warehouse.connect), _release_dbt_duckdb)
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import dagster as dg

from customer_usage.dbt.coverage_chart import RPT_KEY, coverage_metadata, coverage_rows
from customer_usage.dbt.table_metadata import add_metadata
from customer_usage.dbt.roadmap_chart import monthly_rows, roadmap_metadata, roadmap_rows, trend_metadata

ROADMAP_KEY = dg.AssetKey(["marts", "rpt_integration_roadmap"])
MONTHLY_KEY = dg.AssetKey(["marts", "rpt_integration_coverage_monthly"])

# report -> (read its rows from a Warehouse, rows -> metadata); a new chart is one entry
REPORT_CHARTS = {
    RPT_KEY: (coverage_rows, coverage_metadata),
    ROADMAP_KEY: (roadmap_rows, roadmap_metadata),
    MONTHLY_KEY: (monthly_rows, trend_metadata),
}

MetadataReader = Callable[[], dict[str, dg.MetadataValue]]


def report_charts(connect) -> dict[dg.AssetKey, MetadataReader]:
    """Readers of every report's chart metadata; `connect()` is a context manager giving a
    `Warehouse` (e.g. `WarehouseResource.connect`)."""

    def reader(read_rows, to_metadata) -> MetadataReader:
        def read() -> dict[str, dg.MetadataValue]:
            with connect() as warehouse:
                return to_metadata(read_rows(warehouse))
        return read

    return {key: reader(*spec) for key, spec in REPORT_CHARTS.items()}


def _key_of(event) -> dg.AssetKey | None:
    key = getattr(event, "asset_key", None)
    if key is None and isinstance(event, dg.Output):
        # dagster-dbt names a model's output after its asset key
        return dg.AssetKey(event.output_name.split("__")) if "__" in event.output_name else None
    return key


def attach_charts(events: Iterable, charts: Mapping[dg.AssetKey, MetadataReader], before_read=None):
    """Yield `events`, the materializations of `charts`' reports last with their metadata.

    `before_read()` runs once before the first read (e.g. releasing dbt-duckdb's in-process
    handle on the file). A failure to read keeps the event, with `<name>_chart_error`: the
    chart is a convenience and never fails the dbt step.
    """
    held = []
    for event in events:
        if _key_of(event) in charts and isinstance(event, (dg.Output, dg.AssetMaterialization, dg.MaterializeResult)):
            held.append(event)
            continue
        yield event
    if held and before_read is not None:
        before_read()
    for event in held:
        key = _key_of(event)
        try:
            extra = charts[key]()
        except Exception as exc:  # noqa: BLE001
            name = key.path[-1]
            extra = {f"{name}_chart_error": dg.MetadataValue.text(f"could not read {name}: {exc}")}
        yield add_metadata(event, extra)
