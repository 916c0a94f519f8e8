"""Integration coverage as a chart: read rpt_integration_coverage, render Markdown.

At run time the asset metadata of marts/rpt_integration_coverage in the Dagster UI
(`coverage_metadata`, attached by `charts.py`); the docs generator (docs_gen/) reuses the
rendering for docs/integration-challenges.md.
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

