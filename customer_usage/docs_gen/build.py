"""Build a scratch warehouse from a landing folder: source assets, then dbt.

Used by the documentation commands and the accuracy command, which need a finished
warehouse but must not touch the project's default data/ folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import dagster as dg

from customer_usage.dbt.project import dbt_executable
from customer_usage.environment import environment
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.sources.contract import SYSTEMS

# The models of the dimensional model (part 1) and everything they read.
MODELS = (
    "map_crm_account_merge", "int_crm_account_hierarchy", "int_namespace_lineage", "int_subscription_product",
    "int_subscription_lineage", "int_subscription_arr", "int_orders", "int_license_subscription",
    "int_ping_subscription", "dim_crm_account", "dim_billing_account", "dim_subscription", "dim_namespace",
    "dim_license", "dim_installation", "dim_product_detail", "dim_date", "dim_customer",
    "bdg_namespace_order_subscription", "rpt_integration_coverage",
    "rpt_integration_defects", "rpt_integration_roadmap", "rpt_integration_coverage_monthly",
)


def settings_env(landing_dir: Path, duckdb_path: Path, as_of: str | None = None) -> dict[str, str]:
    env = {
        "CUSTOMER_USAGE_TARGET": "local",
        "CUSTOMER_USAGE_LANDING_DIR": str(landing_dir),
        "CUSTOMER_USAGE_DUCKDB_PATH": str(duckdb_path),
    }
    if as_of:
        env["CUSTOMER_USAGE_AS_OF"] = as_of
    return env


def load_sources(env: dict[str, str]) -> dg.ExecuteInProcessResult:
    """Run the source assets on the landing folder (without their coverage checks: a
    defect-heavy test landing would trip their blocking thresholds)."""
    from customer_usage.definitions import build_definitions

    with environment(env):
        defs = build_definitions(Settings.from_env())
        graph = defs.resolve_asset_graph()
        assets = dg.AssetSelection.groups(*SYSTEMS).resolve(graph)
        job = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection=assets, asset_check_selection=set()
        )
        return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def dbt_build(env: dict[str, str], target_path: Path, models: tuple[str, ...] = MODELS) -> dict:
    """`dbt build` (models and their tests) of staging and `models` in a child process.

    A child process is also what releases the DuckDB file afterwards (dbt's in-process
    adapter keeps a handle open). Returns the exit code, each node's status and the log tail.
    """
    run_env = {**os.environ, **env, "CUSTOMER_USAGE_DBT_TARGET": "local", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [dbt_executable(), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target_path), "--log-path", str(target_path),
         "--select", "path:models/staging", *models],
        capture_output=True, text=True, env=run_env, cwd=DBT_PROJECT_DIR,
    )
    results_file = target_path / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    return {
        "returncode": proc.returncode,
        "status": {r["unique_id"]: r["status"] for r in results["results"]},
        "log": proc.stdout[-6000:],
    }


def build_warehouse(landing_dir: Path, work_dir: Path, as_of: str | None = None,
                    duckdb_path: Path | None = None) -> Path:
    """Landing folder -> finished warehouse (work_dir/warehouse.duckdb unless
    `duckdb_path` names it); returns the DuckDB path."""
    work_dir.mkdir(parents=True, exist_ok=True)
    duckdb_path = duckdb_path or work_dir / "warehouse.duckdb"
    env = settings_env(landing_dir, duckdb_path, as_of)
    loaded = load_sources(env)
    if not loaded.success:
        failed = [e.step_key for e in loaded.all_events if e.is_step_failure]
        raise RuntimeError(f"loading {landing_dir} through the source assets failed in steps {failed}")
    summary = dbt_build(env, work_dir / "dbt_target")
    errors = sorted(k for k, v in summary["status"].items() if v == "error")
    if summary["returncode"] != 0 and errors:
        raise RuntimeError(f"dbt build on {duckdb_path} failed: {errors}\n{summary['log']}")
    return duckdb_path
