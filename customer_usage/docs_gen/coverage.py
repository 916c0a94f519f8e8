"""Integration coverage as a chart: read rpt_integration_coverage, render Markdown.

The same rendering serves docs/integration-challenges.md and the asset metadata of
marts/rpt_integration_coverage in the Dagster UI (`coverage_metadata`).
"""

from __future__ import annotations

from typing import Any, Sequence

import dagster as dg

COVERAGE_SQL = """
select integration, measure, numerator, denominator, coverage, unmapped_arr, unmapped_subscriptions
from marts.rpt_integration_coverage
order by sort_order
"""

BAR_WIDTH = 20


def coverage_rows(warehouse: Any) -> list[dict]:
    """Rows of rpt_integration_coverage from a `Warehouse` (or anything with fetch_df)."""
    frame = warehouse.fetch_df(COVERAGE_SQL)
    frame.columns = [c.lower() for c in frame.columns]  # Snowflake returns upper case
    return frame.to_dict("records")


def _bar(coverage: float | None) -> str:
    if coverage is None or coverage != coverage:
        return "n/a"
    filled = round(coverage * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {coverage:6.1%}"


def _money(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    return f"${value:,.0f}"


def coverage_markdown(rows: Sequence[dict]) -> str:
    """A Markdown table with a text bar per measure (renders in the UI and on GitHub)."""
    lines = [
        "| integration | measure | covered | coverage | unmapped ARR |",
        "|---|---|---:|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['integration']}` | `{r['measure']}` | {int(r['numerator']):,} / {int(r['denominator']):,} "
            f"| `{_bar(r['coverage'])}` | {_money(r['unmapped_arr'])} |"
        )
    return "\n".join(lines)


def coverage_metadata(rows: Sequence[dict]) -> dict[str, dg.MetadataValue]:
    """Metadata for a materialization of marts/rpt_integration_coverage: the chart, the
    lowest coverage and the largest ARR at stake in one measure (measures overlap, so
    their ARR is not summed)."""
    coverages = [r["coverage"] for r in rows if r["coverage"] is not None and r["coverage"] == r["coverage"]]
    arr = max((r["unmapped_arr"] for r in rows if r["unmapped_arr"] is not None and r["unmapped_arr"] == r["unmapped_arr"]), default=0.0)
    return {
        "coverage_chart": dg.MetadataValue.md(coverage_markdown(rows)),
        "min_coverage": dg.MetadataValue.float(float(min(coverages)) if coverages else 0.0),
        "unmapped_arr_max_measure": dg.MetadataValue.float(float(arr)),
    }


RPT_KEY = dg.AssetKey(["marts", "rpt_integration_coverage"])


def attach_coverage_chart(events, read_rows, before_read=None):
    """Pass dbt stream events through; hold back the materialization of
    rpt_integration_coverage and yield it last with the coverage chart attached.

    `read_rows()` returns the report's rows (e.g. `lambda: coverage_rows(warehouse)`);
    it runs after the stream ended and after `before_read()` (e.g. releasing dbt-duckdb's
    in-process handle on the file). A failure to read keeps the event without the chart.
    Wiring (customer_usage/dbt/assets.py `_stream`):
        yield from attach_coverage_chart(dbt.cli(...).stream()..., lambda: coverage_rows(wh), _release_dbt_duckdb)
    """
    held = None
    for event in events:
        key = getattr(event, "asset_key", None)
        if key is None and isinstance(event, dg.Output) and event.output_name == RPT_KEY.to_python_identifier():
            key = RPT_KEY  # dagster-dbt names a model's output after its asset key
        if key == RPT_KEY and isinstance(event, (dg.Output, dg.AssetMaterialization, dg.MaterializeResult)):
            held = event
            continue
        yield event
    if held is None:
        return
    if before_read is not None:
        before_read()
    try:
        extra = coverage_metadata(read_rows())
    except Exception as exc:  # the chart is a convenience: never fail the dbt step for it
        extra = {"coverage_chart_error": dg.MetadataValue.text(f"could not read rpt_integration_coverage: {exc}")}
    if isinstance(held, dg.Output):
        yield held.with_metadata({**held.metadata, **extra})
    elif isinstance(held, dg.AssetMaterialization):
        yield held.with_metadata({**held.metadata, **extra})
    else:
        yield dg.MaterializeResult(
            asset_key=held.asset_key, metadata={**(held.metadata or {}), **extra},
            check_results=held.check_results, data_version=held.data_version, tags=held.tags,
        )
