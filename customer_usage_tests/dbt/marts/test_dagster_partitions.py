"""The Dagster side of the monthly partitions: which assets are partitioned, and
that materializing one partition through Dagster builds exactly that month."""

from __future__ import annotations

import subprocess

import dagster as dg
import duckdb
import pytest

from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage_tests.helpers import environment, materialize
from customer_usage_tests.dbt.marts import landing_data as data
from customer_usage_tests.dbt.marts.dbt_runner import HEALTH_MODELS, MONTHLY_MODELS, Warehouse

MONTHLY_KEYS = [
    dg.AssetKey(["intermediate" if name.startswith("int_") else "marts", name]) for name in MONTHLY_MODELS
]


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from customer_usage.definitions import build_definitions
    from customer_usage_tests.helpers import local_settings

    env = local_settings(tmp_path_factory.mktemp("defs"), as_of=data.AS_OF)
    with environment(**env):
        return build_definitions(Settings.from_env())


def test_ping_facts_and_the_mart_are_monthly_partitioned_with_single_run_backfills(defs):
    graph = defs.resolve_asset_graph()
    for key in MONTHLY_KEYS:
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.MonthlyPartitionsDefinition), key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    for unpartitioned in (["marts", "fct_subscription_month"], ["marts", "dim_metric"]):
        assert graph.get(dg.AssetKey(unpartitioned)).partitions_def is None


def test_one_partition_through_dagster_builds_that_month_only(tmp_path):
    warehouse = Warehouse(tmp_path, data.AS_OF).load(data.tables())
    # upstream of the monthly models with plain dbt, in a subprocess (no file held open here)
    settings = Settings.from_env(warehouse.env)
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--select", "+mart_product_usage_paid_user_metrics_monthly",
         "+fct_ping_metric", *(f"+{m}" for m in HEALTH_MODELS), "--exclude", "tag:monthly", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "dbt_target")],
        env={**dbt_env(settings), "CUSTOMER_USAGE_AS_OF": data.AS_OF}, check=True, cwd=DBT_PROJECT_DIR,
    )
    result = materialize(warehouse.env, dg.AssetSelection.assets(*MONTHLY_KEYS), partition_key="2026-09-01")
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert set(MONTHLY_KEYS) <= materialized
    with duckdb.connect(str(warehouse.path)) as con:
        months = con.execute("select distinct cast(snapshot_month as varchar) from "
                             "marts.mart_product_usage_paid_user_metrics_monthly").fetchall()
        pings = con.execute("select dim_ping_id from marts.fct_ping order by 1").fetchall()
    assert months == [("2026-09-01",)]
    assert pings == [(4,), (8,)]
