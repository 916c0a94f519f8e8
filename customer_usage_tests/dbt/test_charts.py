"""Charts in the Dagster UI: the integration reports' materializations carry their chart."""

from __future__ import annotations

import dagster as dg

from customer_usage.dbt.charts import attach_charts
from customer_usage.dbt.coverage_chart import RPT_KEY, coverage_markdown, coverage_metadata


def test_coverage_chart_metadata():
    rows = [
        {"integration": "zuora_sfdc", "measure": "billing_accounts_with_crm_account", "numerator": 3,
         "denominator": 4, "coverage": 0.75, "unmapped_arr": 1200.0},
        {"integration": "license_version", "measure": "pings_with_known_license", "numerator": 0,
         "denominator": 0, "coverage": None, "unmapped_arr": None},
    ]
    md = coverage_markdown(rows)
    assert "███████████████░░░░░  75.0%" in md and "$1,200" in md and "n/a" in md
    meta = coverage_metadata(rows)
    assert meta["min_coverage"].value == 0.75 and meta["unmapped_arr_max_measure"].value == 1200.0


def test_coverage_chart_is_attached_to_the_report_materialization():
    rows = [{"integration": "zuora_sfdc", "measure": "m", "numerator": 1, "denominator": 2, "coverage": 0.5,
             "unmapped_arr": 10.0}]
    released = []
    events = [
        dg.Output(None, output_name="marts__rpt_integration_coverage", metadata={"dagster/row_count": 9}),
        dg.Output(None, output_name="marts__dim_date"),
    ]
    out = list(attach_charts(iter(events), {RPT_KEY: lambda: coverage_metadata(rows)}, lambda: released.append(True)))
    assert [e.output_name for e in out] == ["marts__dim_date", "marts__rpt_integration_coverage"]
    assert "coverage_chart" in out[1].metadata and out[1].metadata["dagster/row_count"].value == 9
    assert released == [True]
    broken = list(attach_charts(iter(events[:1]), {RPT_KEY: lambda: 1 / 0}))
    assert "rpt_integration_coverage_chart_error" in broken[0].metadata  # never fails the dbt step


def test_roadmap_and_trend_charts_in_the_report_metadata():
    from customer_usage.dbt.charts import MONTHLY_KEY, ROADMAP_KEY
    from customer_usage.dbt.roadmap_chart import roadmap_metadata, trend_metadata

    roadmap = [
        {"priority_rank": 1, "integration": "zuora_sfdc", "defect": "billing_account_crm_unresolved",
         "entity_count": 3, "subscription_count": 0, "arr_at_stake": 2400.0},
        {"priority_rank": 2, "integration": "license_zuora", "defect": "license_missing_subscription_id",
         "entity_count": 5, "subscription_count": 2, "arr_at_stake": 1200.0},
    ]
    monthly = [
        {"snapshot_month": f"2026-0{m}-01", "integration": "license_zuora", "measure": "licenses_with_valid_subscription",
         "numerator": n, "denominator": 4, "coverage": n / 4, "sort_order": 6} for m, n in ((1, 1), (2, 1), (3, 4))
    ]
    events = [
        dg.Output(None, output_name="marts__rpt_integration_roadmap"),
        dg.Output(None, output_name="marts__rpt_integration_coverage_monthly"),
        dg.Output(None, output_name="marts__dim_date"),
    ]
    charts = {ROADMAP_KEY: lambda: roadmap_metadata(roadmap), MONTHLY_KEY: lambda: trend_metadata(monthly)}
    out = {e.output_name: e for e in attach_charts(iter(events), charts)}
    chart = out["marts__rpt_integration_roadmap"].metadata["roadmap_chart"].value
    assert "`" + "█" * 20 + "`" in chart and "`" + "█" * 10 + "`" in chart  # bars proportional to ARR
    assert "$2,400" in chart and out["marts__rpt_integration_roadmap"].metadata["top_defect"].value == (
        "billing_account_crm_unresolved")
    trend = out["marts__rpt_integration_coverage_monthly"].metadata["coverage_trend_chart"].value
    assert "`▃▃█`" in trend and "25.0%" in trend and "100.0%" in trend
