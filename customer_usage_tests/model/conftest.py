"""Build the small landing folder once per session through the real source assets and dbt."""

from __future__ import annotations

import dagster as dg
import pytest

from customer_usage.settings import Settings
from customer_usage.sources.contract import SYSTEMS
from customer_usage_tests.helpers import environment, local_settings, write_landing
from customer_usage_tests.model.landing_data import AS_OF, landing_frames

# The models of this area (part 2's monthly models are built and tested by their owner).
MODEL_KEYS = [
    ["intermediate", m] for m in (
        "map_crm_account_merge", "int_crm_account_hierarchy", "int_namespace_lineage", "int_subscription_product",
        "int_subscription_lineage", "int_subscription_arr", "int_orders", "int_license_subscription", "int_ping_subscription",
    )
] + [
    ["marts", m] for m in (
        "dim_crm_account", "dim_billing_account", "dim_subscription", "dim_namespace", "dim_license", "dim_installation",
        "dim_product_detail", "dim_date", "dim_customer", "bdg_namespace_order_subscription", "rpt_integration_coverage",
    )
]


def build_models(env: dict[str, str]) -> dg.ExecuteInProcessResult:
    """Load the landing folder with the real source assets, then build staging and this
    area's models with their dbt tests as asset checks.

    The sources' own coverage checks are left out: this landing is defect-heavy on purpose
    and their blocking thresholds would stop the models we are here to test.
    """
    from customer_usage.definitions import build_definitions

    with environment(**env):
        defs = build_definitions(Settings.from_env())
        graph = defs.resolve_asset_graph()
        selection = (
            dg.AssetSelection.groups(*SYSTEMS, "staging")
            | dg.AssetSelection.assets(*[dg.AssetKey(k) for k in MODEL_KEYS])
        )
        assets = selection.resolve(graph)
        checks = {
            key for key in selection.resolve_checks(graph) if key.asset_key.path[0] not in SYSTEMS
        }
        job = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection=assets, asset_check_selection=checks
        )
        return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """(result, duckdb path) of a run over the small landing folder of landing_data."""
    tmp = tmp_path_factory.mktemp("model_small")
    landing = write_landing(tmp / "landing", landing_frames(), fmt="parquet")
    result = build_models(local_settings(tmp, landing, as_of=AS_OF))
    return result, tmp / "warehouse.duckdb"


@pytest.fixture(scope="session")
def small_warehouse(small_build):
    result, path = small_build
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"the small build failed in steps {failures}"
    return path


def q(path, sql: str):
    """Query the built warehouse. The run may leave a read-write DuckDB handle open in
    this process (dbt/Dagster metadata fetchers), and DuckDB refuses a second handle with
    another configuration, so this opens it with the default one."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        return con.execute(sql).fetchdf()
