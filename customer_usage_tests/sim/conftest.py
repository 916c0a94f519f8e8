"""Generated datasets shared by the generator tests (built once per session: generation is the slow part)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from customer_usage_sim.core import generate

# High rates so every defect has a large population even at demo scale.
HIGH_RATES = {
    "order_missing_namespace": 0.15, "order_on_subgroup": 0.15, "order_unknown_namespace": 0.15,
    "paid_namespace_without_order": 0.2, "order_subscription_not_in_zuora": 0.2,
    "expired_order_missing_product_rate_plan": 0.3, "license_missing_subscription_id": 0.2,
    "license_unknown_subscription_id": 0.2, "ping_unknown_license_md5": 0.2, "ping_missing_license_md5": 0.1,
    "metric_minus_one": 0.1, "metric_absent_old_ping": 0.3, "several_pings_per_month": 0.1,
    "duplicate_gitlab_subscriptions": 0.2, "seats_overage": 0.2, "sfdc_merged_account": 0.25,
    "crm_id_15_char": 0.4, "crm_id_unknown": 0.1, "crm_id_missing": 0.1,
}


class Dataset:
    def __init__(self, root: Path, result):
        self.root = root
        self.landing = result.landing_dir
        self.truth = result.truth_dir
        self.result = result

    def con(self) -> duckdb.DuckDBPyConnection:
        """In-memory DuckDB with a view per landing table (`<system>__<table>`) and truth file (`t_<name>`)."""
        con = duckdb.connect()
        for f in sorted(self.landing.glob("[!.]*/*.parquet")):  # not the hidden .ground_truth
            con.sql(f"create view {f.parent.name}__{f.stem} as select * from read_parquet('{f}')")
        for f in sorted(self.truth.glob("*.parquet")):
            con.sql(f"create view t_{f.stem} as select * from read_parquet('{f}')")
        return con


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Dataset:
    root = tmp_path_factory.mktemp("demo_seed1")
    return Dataset(root, generate(root / "landing", scale="demo", seed=1))


@pytest.fixture(scope="session")
def demo_high_rates(tmp_path_factory) -> Dataset:
    root = tmp_path_factory.mktemp("demo_high")
    return Dataset(root, generate(root / "landing", scale="demo", seed=3, rates=HIGH_RATES))
