"""Build the dbt project on a test's own DuckDB file, without Dagster.

The mart's tests check SQL semantics, so they load the landing frames straight
into raw tables (the model tests' loader) and call dbt with a private target
folder: parallel runs never share `dbt_project/target`, and a test does not
depend on the source loaders. dbt runs in process (dbtRunner): a subprocess
costs ~8 s of start-up per call on a busy 2-core machine, in process ~2 s.
dbt-duckdb then keeps the file open in this process with its own settings, so
queries here open it read-write (a read-only connection would be refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from customer_usage.dbt.project import dbt_env
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage_tests.helpers import environment, local_settings
from customer_usage_tests.dbt.rawload import load_raw

MART = "marts.mart_product_usage_paid_user_metrics_monthly"
MONTHLY_MODELS = ("int_ping_metrics", "fct_ping", "fct_ping_metric", "int_ping_latest", "int_namespace_metrics",
                  "mart_product_usage_paid_user_metrics_monthly", "rpt_product_usage_health_score",
                  "rpt_product_usage_health_score_account", "rpt_ping_metric_totals_w_estimates_monthly",
                  "mart_product_usage_free_user_metrics_monthly")
# the monthly models downstream of the mart (data-contract §6); `+` of each builds what they need
HEALTH_MODELS = ("rpt_product_usage_health_score_account", "rpt_ping_metric_totals_w_estimates_monthly",
                 "mart_product_usage_free_user_metrics_monthly")
MONTHLY_TABLES = {
    "int_ping_metrics": "intermediate.int_ping_metrics",
    "fct_ping": "marts.fct_ping",
    "fct_ping_metric": "marts.fct_ping_metric",
    "int_ping_latest": "intermediate.int_ping_latest",
    "int_namespace_metrics": "intermediate.int_namespace_metrics",
    "mart": MART,
    "health_score": "marts.rpt_product_usage_health_score",
    "health_score_account": "marts.rpt_product_usage_health_score_account",
    "estimates": "marts.rpt_ping_metric_totals_w_estimates_monthly",
    "free_mart": "marts.mart_product_usage_free_user_metrics_monthly",
}


class Warehouse:
    """A tmp DuckDB file with raw tables loaded, and dbt commands against it."""

    def __init__(self, folder: Path, as_of: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = local_settings(self.folder, as_of=as_of)
        self.path = Path(self.env["CUSTOMER_USAGE_DUCKDB_PATH"])

    def load(self, frames: Mapping[str, pd.DataFrame]) -> "Warehouse":
        load_raw(self.path, frames)
        return self

    def dbt(self, *args: str, partition_env: Mapping[str, str] | None = None) -> None:
        from dbt.cli.main import dbtRunner

        from customer_usage.compat import release_dbt_duckdb_connection

        settings = Settings.from_env(self.env)
        env = {**dbt_env(settings), "CUSTOMER_USAGE_AS_OF": self.env["CUSTOMER_USAGE_AS_OF"],
               "CUSTOMER_USAGE_PARTITION_START": None, "CUSTOMER_USAGE_PARTITION_END": None,
               **(partition_env or {})}
        command = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                   "--target-path", str(self.folder / "dbt_target"), "--log-path", str(self.folder / "dbt_logs"),
                   "--target", settings.dbt_target, "--quiet"]
        with environment(**env):
            try:
                result = dbtRunner().invoke(command)
            finally:
                # dbt-duckdb keeps the file open, with the profile's config_options, for the life
                # of the process: a later plain duckdb.connect here would be refused
                release_dbt_duckdb_connection()
        if not result.success:
            failures = [
                f"{r.node.name}: {r.message}" for r in (result.result or []) if getattr(r, "status", "") in ("error", "fail")
            ] if result.result is not None and hasattr(result.result, "__iter__") else []
            raise AssertionError(f"dbt {' '.join(args)} failed: {result.exception or ''} {failures}")

    def build_mart(self, *extra: str) -> "Warehouse":
        self.dbt("run", "--select", "+mart_product_usage_paid_user_metrics_monthly", "+fct_ping_metric",
                 *(f"+{model}" for model in HEALTH_MODELS), *extra)
        return self

    def execute(self, sql: str) -> None:
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)

    def query(self, sql: str) -> pd.DataFrame:
        import duckdb

        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).fetchdf()
