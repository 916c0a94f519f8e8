"""The monthly mart on a landing folder written for it (landing_data.py):
month selection, `-1` and absent metrics, months without a ping, a cancelled
subscription's last month, GitLab.com vs Self-Managed rows, primary_key."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from customer_usage_tests.dbt.marts import landing_data as data
from customer_usage_tests.dbt.marts.dbt_runner import MART, Warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    return Warehouse(tmp_path_factory.mktemp("mart"), data.AS_OF).load(data.tables()).build_mart()


@pytest.fixture(scope="module")
def mart(warehouse) -> pd.DataFrame:
    frame = warehouse.query(f"select * from {MART}")
    frame["month"] = frame["snapshot_month"].astype(str).str[:7]
    return frame


def rows(mart, lineage, month=None, uuid=None) -> pd.DataFrame:
    selected = mart[mart.dim_subscription_id_original == lineage]
    if month:
        selected = selected[selected.month == month]
    if uuid:
        selected = selected[selected.uuid == uuid]
    return selected


def one(mart, lineage, month, uuid=None) -> pd.Series:
    selected = rows(mart, lineage, month, uuid)
    assert len(selected) == 1, f"{lineage} {month} {uuid}: {len(selected)} rows"
    return selected.iloc[0]


def is_null(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def test_months_in_effect_per_lineage(mart):
    months = mart.groupby("dim_subscription_id_original")["month"].apply(lambda s: sorted(set(s))).to_dict()
    assert months == {
        "O_SM1": ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"],
        "O_SM2": ["2026-06", "2026-07", "2026-08"],  # cancelled, ends 2026-08-20
        "O_SAAS1": ["2026-07", "2026-08", "2026-09", "2026-10"],
        "O_SAAS2": ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"],
    }  # the trial and the Draft-only lineages are not paid subscriptions in effect


def test_latest_ping_of_the_month_wins(mart):
    july = one(mart, "O_SM1", "2026-07")
    assert july.dim_ping_id == 3  # recorded 07-20, not the 07-05 ping
    assert july.billable_user_count == 44 and july.umau_28_days_user == 12
    assert july.source_code_pushes_all_time_event == 500
    assert str(july.ping_created_at)[:10] == "2026-07-20"


def test_the_row_carries_the_latest_active_version_and_accounts(mart):
    june = one(mart, "O_SM1", "2026-06")
    assert june.dim_subscription_id == "S_SM1_V2"  # the ping's license names version 1
    assert june.dim_crm_account_id == data.CRM and june.dim_billing_account_id == "ZA1"
    assert june.deployment_type == "Self-Managed" and june.product_tier == "Premium"


def test_minus_one_and_absent_metrics_are_null_and_zero_stays_zero(mart, warehouse):
    september = one(mart, "O_SM1", "2026-09")
    assert september.is_data_in_subscription_month
    assert is_null(september.umau_28_days_user)  # -1: the instance's query timed out
    assert is_null(september.source_code_pushes_all_time_event)  # absent from the payload
    assert is_null(september.object_store_packages_enabled)  # absent setting
    assert september.ci_pipelines_28_days_user == 0
    assert september.ci_builds_28_days_user == 3
    long = warehouse.query("select metric_name, metric_value, is_timed_out from marts.fct_ping_metric "
                           "where dim_ping_id = 4").set_index("metric_name")
    assert bool(long.loc["umau_28_days_user", "is_timed_out"])
    assert is_null(long.loc["umau_28_days_user", "metric_value"])
    assert "source_code_pushes_all_time_event" not in long.index  # absent: no row
    assert long.loc["ci_pipelines_28_days_user", "metric_value"] == 0
    assert long.loc["container_registry_enabled", "metric_value"] == 1


def test_unreadable_metrics_are_flagged_not_silently_null(warehouse):
    long = warehouse.query("select metric_name, metric_value, metric_value_issue from marts.fct_ping_metric "
                           "where dim_ping_id = 9").set_index("metric_name")
    assert long.loc["source_code_pushes_all_time_event", "metric_value_issue"] == "out_of_range"  # 10^22
    assert is_null(long.loc["source_code_pushes_all_time_event", "metric_value"])
    assert long.loc["commit_comment_all_time_event", "metric_value_issue"] == "wrong_type"  # "lots"
    assert long.loc["ci_builds_all_time_event", "metric_value"] == 3
    assert is_null(long.loc["ci_builds_all_time_event", "metric_value_issue"])
    timed_out = warehouse.query("select metric_value_issue from marts.fct_ping_metric "
                                "where dim_ping_id = 4 and metric_name = 'umau_28_days_user'")
    assert timed_out["metric_value_issue"].tolist() == ["timed_out"]


def test_license_utilization_is_64_bit(warehouse):
    types = warehouse.query("select data_type from information_schema.columns where table_schema = 'marts' "
                            "and column_name in ('license_utilization', 'metric_value')")
    assert len(types) >= 2 and set(types["data_type"]) == {"DOUBLE"}


def test_settings_are_booleans(mart):
    october = one(mart, "O_SM1", "2026-10", uuid="u2")
    assert october.container_registry_enabled is False or october.container_registry_enabled == False  # noqa: E712
    assert bool(one(mart, "O_SM1", "2026-10", uuid="u1").container_registry_enabled)


def test_month_without_ping_keeps_one_row_with_nulls(mart):
    august = one(mart, "O_SM1", "2026-08")
    assert not august.is_data_in_subscription_month and not august.is_latest_data
    for column in ("uuid", "hostname", "dim_installation_id", "ping_created_at", "billable_user_count",
                   "umau_28_days_user", "container_registry_enabled"):
        assert is_null(august[column]), column
    assert august.license_user_count == 50 and august.license_user_count_source == "zuora"


def test_seats_follow_the_charges_in_effect(mart):
    seats = rows(mart, "O_SM1").groupby("month")["license_user_count"].max().to_dict()
    assert seats == {"2026-06": 50, "2026-07": 50, "2026-08": 50, "2026-09": 60, "2026-10": 60}
    assert one(mart, "O_SM1", "2026-09").license_utilization == pytest.approx(45 / 60)


def test_cancelled_subscription_last_month(mart):
    august = one(mart, "O_SM2", "2026-08")
    assert august.uuid == "u3" and august.is_data_in_subscription_month and august.is_latest_data
    # the charge ends in August, so Zuora has no seats that month: the ping's count
    assert august.license_user_count == 12 and august.license_user_count_source == "ping"
    assert rows(mart, "O_SM2", "2026-09").empty  # a ping after the end makes no row


def test_several_installations_of_one_subscription(mart):
    october = rows(mart, "O_SM1", "2026-10")
    assert sorted(october.uuid) == ["u1", "u2"]
    assert sorted(october.hostname) == ["h1", "h2"]
    assert october.is_latest_data.all()
    assert october.dim_namespace_id.isna().all()


def test_gitlab_com_rows(mart):
    saas = mart[mart.deployment_type == "GitLab.com"]
    assert saas.uuid.isna().all() and saas.hostname.isna().all() and saas.dim_installation_id.isna().all()
    assert saas.active_user_count.isna().all()
    july = one(mart, "O_SAAS1", "2026-07")
    assert july.dim_namespace_id == 100
    assert july.umau_28_days_user == 7  # the month's latest ping_date for that metric
    assert july.source_code_pushes_all_time_event == 900  # latest of its own metric, an earlier date
    assert str(july.ping_created_at)[:10] == "2026-07-30"
    assert is_null(july.billable_user_count) and is_null(july.max_historical_user_count)  # not the AS_OF month
    assert july.license_user_count == 25 and july.license_user_count_source == "zuora"
    august = one(mart, "O_SAAS1", "2026-08")
    assert august.is_data_in_subscription_month and is_null(august.umau_28_days_user)  # -1
    assert bool(one(mart, "O_SAAS1", "2026-09").container_registry_enabled)
    october = one(mart, "O_SAAS1", "2026-10")
    assert (october.billable_user_count, october.max_historical_user_count) == (28, 29)
    assert october.is_latest_data and october.gitlab_plan_name == "ultimate"


def test_gitlab_com_namespace_from_a_paid_order(mart):
    saas2 = rows(mart, "O_SAAS2")
    assert set(saas2.dim_namespace_id) == {200}
    assert not saas2[saas2.month < "2026-10"].is_data_in_subscription_month.any()
    october = one(mart, "O_SAAS2", "2026-10")
    assert october.is_data_in_subscription_month and october.umau_28_days_user == 3
    # no Zuora charge: the seats of gitlab_subscriptions, which exist for the AS_OF month only
    assert october.license_user_count == 15 and october.license_user_count_source == "gitlab_subscriptions"
    assert october.billable_user_count == 16 and october.max_historical_user_count == 17
    assert is_null(one(mart, "O_SAAS2", "2026-09").license_user_count)


def test_is_latest_data_marks_one_month_per_series_with_data(mart):
    with_data = mart[mart.is_data_in_subscription_month]
    latest = with_data[with_data.is_latest_data]
    assert latest.groupby("usage_series_id").size().eq(1).all()
    assert set(latest.usage_series_id) == set(with_data.usage_series_id)
    assert not mart[~mart.is_data_in_subscription_month].is_latest_data.any()
    assert one(mart, "O_SM1", "2026-09").is_latest_data == False  # noqa: E712  (u1 sent again in October)


def test_primary_key_is_unique_and_stable_across_runs(mart, tmp_path):
    assert mart.primary_key.notna().all()
    assert mart.primary_key.is_unique
    again = Warehouse(tmp_path, data.AS_OF).load(data.tables()).build_mart()
    other = again.query(f"select * from {MART}")
    key = ["snapshot_month", "dim_subscription_id_original", "dim_namespace_id", "uuid", "hostname"]
    left = mart.set_index("primary_key")[key].sort_index()
    right = other.set_index("primary_key")[key].sort_index()
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_fct_ping_maps_every_ping(warehouse):
    pings = warehouse.query("select * from marts.fct_ping order by dim_ping_id").set_index("dim_ping_id")
    assert len(pings) == 10 and pings.index.is_unique
    assert pings.loc[1, "ping_subscription_source"] == "license_md5"
    assert pings.loc[1, "dim_subscription_id"] == "S_SM1_V1"  # the version the license names
    assert pings.loc[1, "dim_subscription_id_original"] == "O_SM1"
    assert pings.loc[6, "ping_subscription_source"] == "license_subscription_id"
    assert pings.loc[6, "dim_crm_account_id"] == data.CRM
    for unmapped in (9, 10):
        assert is_null(pings.loc[unmapped, "dim_subscription_id"])
        assert is_null(pings.loc[unmapped, "ping_subscription_source"])


def test_dbt_tests_of_the_usage_models_pass(warehouse):
    warehouse.dbt("test", "--select", "dim_metric", "fct_subscription_month", "int_ping_metrics", "int_ping_latest",
                  "int_namespace_metrics", "fct_ping", "fct_ping_metric",
                  "mart_product_usage_paid_user_metrics_monthly")


def test_dim_metric_is_the_catalog(warehouse):
    from customer_usage.catalog.catalog import load_catalog

    table = warehouse.query("select * from marts.dim_metric").set_index("metric_name")
    catalog = load_catalog()
    assert list(sorted(table.index)) == sorted(m.column for m in catalog)
    assert table.loc["ci_builds_all_time_user", "key_path"] == "usage_activity_by_stage.verify.ci_builds"
    mart_columns = set(warehouse.query(f"select * from {MART} limit 0").columns)
    assert {m.column for m in catalog} <= mart_columns  # every catalog metric is a mart column


def test_docs_are_generated_from_the_catalog():
    """The docs' queries run, and give known answers, in customer_usage_tests/catalog/test_docs_queries.py
    (on a warehouse with every model built; some queries read beyond this test's mart build)."""
    from customer_usage.docs_gen.metrics import DOCS_PATH, example_queries, render

    page = render()
    assert DOCS_PATH.read_text() == page, "docs/metrics.md is stale: run python -m customer_usage.docs_gen.metrics"
    assert "`user_sast_jobs_28_days_user`" in page and "## Wave 2" in page
    assert len(example_queries(page)) >= 9
