"""Writes docs/metrics.md from the metric catalog, so the documentation of the
mart's columns cannot drift from the columns the SQL generates.

Run: `python -m customer_usage.docs_gen.metrics` (or `make docs`). A test fails when
the committed file is out of date, and executes its example queries.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from customer_usage.catalog.catalog import CATALOG_PATH, Metric, load_catalog
from customer_usage.catalog.examples import EXAMPLES, MART
from customer_usage.docs_gen.health_bands import render_section as health_section
from customer_usage.settings import PROJECT_ROOT

DOCS_PATH = PROJECT_ROOT / "docs" / "metrics.md"

COUNTS_MEANING = {
    "users": "distinct users (people) who did something; suffix `_user`",
    "events": "events or objects (pushes, jobs, projects, runners); suffix `_event`",
    "setting": "an instance setting, true/false; no suffix",
    "ratio": "a ratio of two seat counts",
    "label": "a label saying where a value came from",
}
TIME_FRAME_MEANING = {
    "28d": "the 28 days before the ping was recorded (suffix `_28_days`); not a calendar month",
    "all": "cumulative since the instance was installed (suffix `_all_time`)",
    "none": "a value at the time of the ping (seats, settings)",
}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def _metric_table(metrics: list[Metric]) -> list[str]:
    lines = ["| column | key path | time frame | counts | stage | meaning |", "|---|---|---|---|---|---|"]
    for m in metrics:
        key = f"`{m.key_path}`" if m.key_path else "(derived)"
        lines.append(f"| `{m.column}` | {key} | {m.time_frame} | {m.counts} | {m.stage} | {_cell(m.description)} |")
    return lines


def render(catalog: tuple[Metric, ...] | None = None) -> str:
    catalog = load_catalog() if catalog is None else catalog
    waves = sorted({m.wave for m in catalog})
    extracted = [m for m in catalog if m.is_extracted]
    relative_catalog = CATALOG_PATH.relative_to(PROJECT_ROOT)
    out = [
        "# Metrics of the monthly paid-user mart",
        "",
        f"<!-- Generated from {relative_catalog} by `python -m customer_usage.docs_gen.metrics`; do not edit. -->",
        "",
        f"`{MART}` has one row per month x paid subscription x (GitLab.com namespace | Self-Managed "
        "installation). Its metric columns are listed in the metric catalog "
        f"(`{relative_catalog}`): adding a metric or a whole wave is an edit of that file; the payload "
        "extraction, `fct_ping_metric`, `dim_metric`, the mart's columns and this page follow from it.",
        "",
        "## Taxonomy",
        "",
        "| wave | metrics | source |",
        "|---|---|---|",
    ]
    for wave in waves:
        in_wave = [m for m in catalog if m.wave == wave]
        sources = sorted({m.source for m in in_wave})
        out.append(f"| {wave} | {len(in_wave)} | {', '.join(sources)} |")
    out += [
        "",
        "Sources: `service_ping` metrics are read from each Service Ping payload by their key path (and, for "
        "GitLab.com, from `gitlab_dotcom.namespace_ping_metrics` rows whose `metric_path` is that key path); "
        "`seats` metrics are the seat logic of data-contract §4/§5 (Zuora charges, ping license fields, "
        "`gitlab_subscriptions`).",
        "",
        "What a metric counts (`counts`):",
        "",
    ]
    count_totals = Counter(m.counts for m in catalog)
    out += [f"- `{k}` ({count_totals[k]}): {v}" for k, v in COUNTS_MEANING.items() if count_totals[k]]
    out += ["", "Time frame (`time_frame`):", ""]
    frame_totals = Counter(m.time_frame for m in catalog)
    out += [f"- `{k}` ({frame_totals[k]}): {v}" for k, v in TIME_FRAME_MEANING.items() if frame_totals[k]]
    out += ["", "Stages (service_ping metrics):", ""]
    stage_totals = Counter(m.stage for m in extracted)
    out += [f"- {stage}: {n}" for stage, n in sorted(stage_totals.items())]
    for wave in waves:
        out += ["", f"## Wave {wave}", ""]
        out += _metric_table([m for m in catalog if m.wave == wave])
    out += [
        "",
        "## How to read the mart",
        "",
        "- **Grain.** Self-Managed: one row per installation (`uuid`, `hostname`) whose latest ping of the "
        "month maps to the subscription (the ping with the latest `recorded_at` per installation x "
        "subscription x month counts). GitLab.com: one row per subscription and month for its ultimate-parent "
        "namespace, metrics at the month's latest `ping_date` per metric. `primary_key` is a hash of "
        "(month, subscription lineage, namespace, uuid, hostname) and stays the same across re-runs; "
        "`usage_series_id` is the same hash without the month.",
        "- **Months without a ping** keep one row per subscription and month with NULL `uuid`, `hostname`, "
        "`ping_created_at` and metrics, and `is_data_in_subscription_month` = false. Seats "
        "(`license_user_count` from Zuora) are still filled. Count months with data, not rows, when "
        "measuring reporting coverage.",
        "- **`-1`** in a payload means the instance's query timed out: the mart shows NULL, as it does for a "
        "metric the instance's version does not report (absent). NULL is therefore *unknown*, never zero; "
        "`fct_ping_metric.is_timed_out` tells the two apart. Zero is a real zero.",
        "- **28-day metrics** cover the 28 days before the ping, not the calendar month; with one ping per "
        "month they are a good monthly proxy. Users of several installations of one subscription may overlap.",
        "- **All-time counters** (`_all_time`) only grow: use the latest month, or differences between "
        "months of the same series; never sum them across months or installations of different ages.",
        "- **Settings** are booleans (true = on); in `fct_ping_metric` they are 1 / 0.",
        "- **Seats.** `license_user_count` is Zuora's recurring quantity in effect in the month "
        "(`license_user_count_source` = `zuora`), else the ping's licensed users (`ping`), else for GitLab.com "
        "the namespace's `gitlab_subscriptions.seats` (`gitlab_subscriptions`). GitLab.com `billable_user_count` "
        "(seats in use) and `max_historical_user_count` (max seats used), and the `gitlab_subscriptions` "
        "fallback, exist only for the AS_OF month: upstream keeps no history. `license_utilization` = "
        "billable / licensed and can exceed 1 (overage).",
        "- **`is_latest_data`** marks, per series, the latest month with data; rows of months without data "
        "are never latest.",
        "- **Instances mapped to no subscription** (free or unlicensed instances, licenses unknown to Zuora) "
        "are not in this mart: they are in `fct_ping` with NULL `dim_subscription_id` and "
        "`ping_subscription_source`, and in `dim_customer` as installation customers. "
        "`rpt_integration_coverage` measures how many pings map.",
        "- **Only paid subscriptions** (tier not free, not trial) in effect in a month have rows; a cancelled "
        "subscription's last row is the month its end date falls in.",
        *health_section(),
        "",
        "## Example queries",
        "",
        "Each query below runs as written on the local DuckDB warehouse; a test runs every one on a small hand-made "
        "data set and checks its answer (customer_usage_tests/catalog/test_docs_queries.py).",
    ]
    for title, explanation, sql in EXAMPLES:
        out += ["", f"### {title}", "", explanation, "", "```sql", sql, "```"]
    return "\n".join(out) + "\n"


def example_queries(markdown: str) -> list[str]:
    """The ```sql blocks of a rendered page (what the test executes)."""
    return re.findall(r"```sql\n(.*?)\n```", markdown, flags=re.S)


def titled_queries(markdown: str) -> list[tuple[str, str]]:
    """(heading, sql) of every ```sql block of a markdown page: the heading is the nearest one above."""
    found, heading = [], ""
    for block in re.split(r"(?m)^(#{1,6} .*)$", markdown):
        if re.match(r"#{1,6} ", block):
            heading = block.lstrip("#").strip()
        else:
            found += [(heading, sql) for sql in re.findall(r"```sql\n(.*?)\n```", block, flags=re.S)]
    return found


def write(path: Path = DOCS_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    return path


if __name__ == "__main__":
    print(f"wrote {write(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_PATH)}")
