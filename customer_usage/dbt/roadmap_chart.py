"""The integration roadmap and the coverage trend as pictures: read rpt_integration_roadmap
and rpt_integration_coverage_monthly, render Markdown (text bars and sparklines: they
render in the Dagster UI and on GitHub) and a Mermaid chart for the docs.

The same rendering serves docs/integration-challenges.md and the asset metadata of both
reports in the Dagster UI (`roadmap_metadata`, `trend_metadata`, wired by `customer_usage/dbt/charts.py`).
"""

from __future__ import annotations

from typing import Any, Sequence

import dagster as dg

ROADMAP_SQL = """
select priority_rank, integration, defect, entity_count, subscription_count, arr_at_stake, arr_unlinked
from marts.rpt_integration_roadmap
order by priority_rank
"""

MONTHLY_SQL = """
select snapshot_month, integration, measure, numerator, denominator, coverage, sort_order
from marts.rpt_integration_coverage_monthly
order by sort_order, snapshot_month
"""

BAR_WIDTH = 20
SPARKS = "▁▂▃▄▅▆▇█"


def _rows(warehouse: Any, sql: str) -> list[dict]:
    frame = warehouse.fetch_df(sql)
    frame.columns = [c.lower() for c in frame.columns]  # Snowflake returns upper case
    return frame.to_dict("records")


def roadmap_rows(warehouse: Any) -> list[dict]:
    return _rows(warehouse, ROADMAP_SQL)


def monthly_rows(warehouse: Any) -> list[dict]:
    return _rows(warehouse, MONTHLY_SQL)


def _present(value) -> bool:
    return value is not None and value == value


def roadmap_markdown(rows: Sequence[dict]) -> str:
    """Ranked fixes with a bar proportional to the ARR at stake."""
    top = max((float(r["arr_at_stake"]) for r in rows), default=0.0) or 1.0
    lines = [
        "| rank | defect | integration | entities | subscriptions | ARR at stake | of which usage lost | |",
        "|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        filled = round(float(r["arr_at_stake"]) / top * BAR_WIDTH)
        lines.append(
            f"| {int(r['priority_rank'])} | `{r['defect']}` | `{r['integration']}` | {int(r['entity_count']):,} "
            f"| {int(r['subscription_count']):,} | ${float(r['arr_at_stake']):,.0f} "
            f"| ${float(r.get('arr_unlinked', r['arr_at_stake'])):,.0f} | `{'█' * filled or '·'}` |"
        )
    return "\n".join(lines)


def _by_measure(rows: Sequence[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        out.setdefault((r["integration"], r["measure"]), []).append(r)
    return out


def _month(value) -> str:
    return str(value)[:7]


def sparkline(values: Sequence[float | None]) -> str:
    """One character per month, 0% = ▁ … 100% = █; a month without items is a blank."""
    return "".join(SPARKS[min(int(v * len(SPARKS)), len(SPARKS) - 1)] if _present(v) else " " for v in values)


def trend_markdown(rows: Sequence[dict]) -> str:
    """Per measure: coverage in the first and last month and a sparkline in between."""
    groups = _by_measure(rows)
    months = sorted({_month(r["snapshot_month"]) for r in rows})
    span = f"{months[0]} → {months[-1]}" if months else "no months"
    lines = [f"| integration | measure | first | last | trend ({span}) |", "|---|---|---:|---:|---|"]
    for (integration, measure), series in groups.items():
        values = [r["coverage"] if _present(r["coverage"]) else None for r in series]
        known = [v for v in values if v is not None]
        first = f"{known[0]:.1%}" if known else "n/a"
        last = f"{known[-1]:.1%}" if known else "n/a"
        lines.append(f"| `{integration}` | `{measure}` | {first} | {last} | `{sparkline(values)}` |")
    return "\n".join(lines)


def trend_mermaid(rows: Sequence[dict]) -> str:
    """A Mermaid xychart (GitHub renders it) of coverage % per month, one line per measure;
    the title names the lines in order (xychart has no legend)."""
    groups = _by_measure(rows)
    months = sorted({_month(r["snapshot_month"]) for r in rows})
    names = " / ".join(f"{i}: {measure}" for i, (_, measure) in enumerate(groups, start=1))
    lines = ["```mermaid", "xychart-beta", f'    title "Coverage % at month end ({names})"',
             f"    x-axis [{', '.join(months)}]", '    y-axis "coverage %" 0 --> 100']
    for series in groups.values():
        values = [round(100 * r["coverage"], 1) if _present(r["coverage"]) else 0 for r in series]
        lines.append(f"    line [{', '.join(str(v) for v in values)}]")
    lines.append("```")
    return "\n".join(lines)


def roadmap_mermaid(rows: Sequence[dict], top: int = 8) -> str:
    """A Mermaid bar chart of the ARR at stake of the first `top` fixes."""
    shown = list(rows)[:top]
    names = ", ".join(f'"{int(r["priority_rank"])}. {r["defect"]}"' for r in shown)
    values = ", ".join(f"{float(r['arr_at_stake']):.0f}" for r in shown)
    return "\n".join(["```mermaid", "xychart-beta", '    title "ARR at stake per fix ($)"',
                      f"    x-axis [{names}]", '    y-axis "ARR ($)"', f"    bar [{values}]", "```"])


def roadmap_metadata(rows: Sequence[dict]) -> dict[str, dg.MetadataValue]:
    """Metadata of a materialization of marts/rpt_integration_roadmap."""
    first = rows[0] if rows else None
    return {
        "roadmap_chart": dg.MetadataValue.md(roadmap_markdown(rows)),
        "top_defect": dg.MetadataValue.text(first["defect"] if first else "none"),
        "top_arr_at_stake": dg.MetadataValue.float(float(first["arr_at_stake"]) if first else 0.0),
    }


def trend_metadata(rows: Sequence[dict]) -> dict[str, dg.MetadataValue]:
    """Metadata of a materialization of marts/rpt_integration_coverage_monthly."""
    return {"coverage_trend_chart": dg.MetadataValue.md(trend_markdown(rows))}
