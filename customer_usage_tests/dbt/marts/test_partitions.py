"""Monthly partitions: building month by month (in any order) gives the same
tables as one full build, a partition run touches only its months, and the
Dagster asset passes the partition window to dbt."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_usage_tests.dbt.marts import landing_data as data
from customer_usage_tests.dbt.marts.dbt_runner import HEALTH_MODELS, MONTHLY_TABLES, Warehouse

MONTHS = ["2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"]
UPSTREAM = ("+mart_product_usage_paid_user_metrics_monthly", "+fct_ping_metric", *(f"+{m}" for m in HEALTH_MODELS))


def window(month: str) -> dict[str, str]:
    start = pd.Timestamp(month)
    return {"CUSTOMER_USAGE_PARTITION_START": month,
            "CUSTOMER_USAGE_PARTITION_END": (start + pd.offsets.MonthBegin(1)).strftime("%Y-%m-%d")}


def table(warehouse: Warehouse, name: str) -> pd.DataFrame:
    frame = warehouse.query(f"select * from {MONTHLY_TABLES[name]}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Warehouse:
    return Warehouse(tmp_path_factory.mktemp("full"), data.AS_OF).load(data.tables()).build_mart()


@pytest.fixture(scope="module")
def by_partition(tmp_path_factory) -> Warehouse:
    warehouse = Warehouse(tmp_path_factory.mktemp("partitions"), data.AS_OF).load(data.tables())
    warehouse.dbt("run", "--select", *UPSTREAM, "--exclude", "tag:monthly")
    # out of order on purpose: is_latest_data must come out right whatever the order
    for month in ["2026-09-01", "2026-06-01", "2026-10-01", "2026-07-01", "2026-08-01"]:
        warehouse.dbt("run", "--select", "tag:monthly", partition_env=window(month))
    return warehouse


@pytest.mark.parametrize("name", sorted(MONTHLY_TABLES))
def test_partition_by_partition_equals_full_build(full, by_partition, name):
    expected, actual = table(full, name), table(by_partition, name)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(actual, expected)


def test_a_partition_run_replaces_only_its_months(tmp_path):
    warehouse = Warehouse(tmp_path, data.AS_OF).load(data.tables()).build_mart()
    before = warehouse.query("select snapshot_month, count(*) as n from marts.mart_product_usage_paid_user_metrics_monthly "
                             "group by 1 order by 1")
    # the only ping of O_SM2 in August disappears upstream; only August is rebuilt
    warehouse.execute("delete from raw_version_db.usage_data where id in (7, 3)")
    warehouse.dbt("run", "--select", "tag:monthly", partition_env=window("2026-08-01"))
    mart = warehouse.query("select * from marts.mart_product_usage_paid_user_metrics_monthly")
    august = mart[(mart.dim_subscription_id_original == "O_SM2") & (mart.snapshot_month.astype(str) == "2026-08-01")]
    assert len(august) == 1 and not august.iloc[0].is_data_in_subscription_month
    # July was not rebuilt: its row still shows ping 3 although ping 3 is gone upstream
    july = mart[(mart.dim_subscription_id_original == "O_SM1") & (mart.snapshot_month.astype(str) == "2026-07-01")]
    assert list(july.dim_ping_id) == [3]
    after = mart.groupby("snapshot_month").size().reset_index(name="n")
    assert list(after.n) == list(before.n)
    pings = warehouse.query("select dim_ping_id from marts.fct_ping order by 1").dim_ping_id.tolist()
    assert pings == [1, 2, 3, 4, 5, 6, 8, 9, 10]  # August's ping 7 removed, July's ping 3 kept
