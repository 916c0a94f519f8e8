"""Every SQL query in docs/ gives the right answer on a hand-made data set.

The warehouse is analysis_data.py's (AS_OF 2026-10-15; accounts Acme and
Globex): each expectation below was worked out from those rows by hand. A query
added to docs/ without an expectation here fails `test_every_docs_query_has_a_known_answer`.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from customer_usage.docs_gen.metrics import DOCS_PATH, render, titled_queries
from customer_usage.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def _value(v):
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    if isinstance(v, float) and v == int(v):
        return int(v)
    return v.item() if hasattr(v, "item") else v


def rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(_value(v) for v in r) for r in frame[columns].itertuples(index=False, name=None)]


def latest_usage(f):
    assert rows(f, ["dim_subscription_id_original", "reported_by", "snapshot_month", "billable_user_count"]) == [
        ("O_SAAS1", "100", "2026-10-01", 28), ("O_SAAS2", "200", "2026-10-01", 16),
        ("O_SM1", "u1 @ h1", "2026-10-01", 48), ("O_SM1", "u2 @ h2", "2026-10-01", 5),
        ("O_SM2", "u3 @ h3", "2026-08-01", 9), ("O_SM3", "u5 @ h5", "2026-08-01", 15),
        ("O_SM4", "u6 @ prod.globex.test", "2026-10-01", 18), ("O_SM4", "u7 @ staging.globex.test", "2026-10-01", 2)]


def monthly_trend(f):
    sm1 = f[f.dim_subscription_id_original == "O_SM1"]
    assert rows(sm1, ["snapshot_month", "rows_with_data", "umau_28_days_user", "license_user_count"]) == [
        ("2026-06-01", 1, 10, 50), ("2026-07-01", 1, 12, 50), ("2026-08-01", 0, None, 50),
        ("2026-09-01", 1, None, 60), ("2026-10-01", 2, 17, 60)]  # -1 in September is unknown, not 0
    assert len(f) == 25  # every lineage-month in effect, months without data included


def counter_growth(f):
    july = f[(f.snapshot_month.astype(str).str[:7] == "2026-07") & (f.source_code_pushes_all_time_event == 500)]
    assert rows(july, ["pushes_since_previous_month_with_data"]) == [(497,)]  # 500 pushes in July, 3 in June
    assert len(f) == 14


def timed_out(f):
    assert rows(f.head(2), ["metric_name", "pings_reporting", "pings_timed_out"]) == [
        ("umau_28_days_user", 13, 1), ("action_monthly_active_users_project_repo_28_days_user", 13, 0)]
    assert f.pings_timed_out.sum() == 1 and len(f) == 31


def account_six_months(f):
    assert rows(f, ["snapshot_month", "subscriptions_in_effect", "subscriptions_with_data", "license_user_count",
                    "billable_user_count", "umau_28_days_user", "ci_pipelines_28_days_user"]) == [
        ("2026-06-01", 4, 1, 80, 40, 10, 3),
        ("2026-07-01", 5, 2, 105, 44, 19, 3),   # O_SM1 12 + namespace 100's 7
        ("2026-08-01", 5, 3, 107, 24, 13, 6),
        ("2026-09-01", 4, 2, 105, 45, None, 0),  # the only umau that month timed out
        ("2026-10-01", 4, 3, 120, 97, 29, 6)]


def silent_subscriptions(f):
    assert rows(f, ["dim_subscription_id_original", "crm_account_name", "reason", "last_ping_date"]) == [
        ("O_SM3", "Acme", "not reporting: last ping 2026-08", "2026-08-14"),
        ("O_SM5", "Globex", "unmapped: no license names the subscription", None)]


def top_utilisation(f):
    assert rows(f, ["crm_account_name", "subscriptions_reporting", "billable_user_count", "license_user_count",
                    "license_utilization"]) == [("Globex", 1, 20, 20, 1), ("Acme", 3, 97, 100, 0.97)]


def one_installation(f):
    assert rows(f, ["dim_subscription_id_original", "hostname", "billable_user_count"]) == [
        ("O_SAAS1", None, 28), ("O_SAAS2", None, 16), ("O_SM1", "h1", 48), ("O_SM3", None, None),
        ("O_SM4", "prod.globex.test", 18), ("O_SM5", None, None)]  # staging (2 billable) and h2 (5) dropped


def usage_and_arr(f):
    assert rows(f, ["crm_account_name", "subscriptions", "arr", "license_user_count", "billable_user_count",
                    "umau_28_days_user", "arr_per_monthly_active_user"]) == [
        ("Globex", 2, 3600, 30, 20, 18, 200),   # O_SM4 2,400 + O_SM5 1,200
        ("Acme", 4, 3000, 120, 97, 29, 103.45)]  # O_SAAS1 1,200 + O_SM1 1,200 + O_SM3 600 + O_SAAS2 0


ANSWERS = {
    "Latest usage per Self-Managed installation and GitLab.com namespace": latest_usage,
    "Monthly trend of one 28-day metric per subscription": monthly_trend,
    "Growth of an all-time counter between two months": counter_growth,
    "Metrics an instance could not compute (`-1`) in the long-form fact": timed_out,
    "Usage of one account over the last 6 months": account_six_months,
    "Subscriptions with no data this month, and why": silent_subscriptions,
    "Top accounts by license utilisation": top_utilisation,
    "Pick one installation per subscription and month": one_installation,
    "Join usage to ARR": usage_and_arr,
}


# Docs whose queries need another data set, and the test that checks their answers there.
CHECKED_ELSEWHERE = {
    "exports.md": "customer_usage_tests/exports/test_history.py (sync history after real export runs)",
}


def docs_queries() -> list[tuple[str, str, str]]:
    """(file, heading, sql) of every ```sql block in docs/*.md (but CHECKED_ELSEWHERE)."""
    return [(path.name, heading, sql) for path in sorted(DOCS.glob("*.md")) if path.name not in CHECKED_ELSEWHERE
            for heading, sql in titled_queries(path.read_text())]


def test_docs_checked_elsewhere_really_are():
    for name, where in CHECKED_ELSEWHERE.items():
        test_file = PROJECT_ROOT / where.split(" ")[0]
        assert titled_queries((DOCS / name).read_text()), f"docs/{name} has no query any more"
        assert f"docs/{name}".split("/")[-1] in test_file.read_text(), f"{test_file} does not read docs/{name}"


def test_metrics_doc_is_current():
    assert DOCS_PATH.read_text() == render(), "docs/metrics.md is stale: run python -m customer_usage.docs_gen.metrics"


def test_every_docs_query_has_a_known_answer():
    found = docs_queries()
    assert len(found) >= 9
    unchecked = [f"{name}: {heading}" for name, heading, _ in found if heading not in ANSWERS]
    assert not unchecked, f"add the known answer of these docs queries to ANSWERS: {unchecked}"
    assert {heading for _, heading, _ in found} == set(ANSWERS)  # and no stale expectation


@pytest.mark.parametrize("name, heading, sql", docs_queries(), ids=lambda v: str(v)[:40])
def test_docs_query_gives_the_known_answer(analysis_warehouse, name, heading, sql):
    with duckdb.connect(analysis_warehouse["CUSTOMER_USAGE_DUCKDB_PATH"], read_only=True) as con:
        frame = con.execute(sql).fetchdf()
    ANSWERS[heading](frame)
