"""The Dagster code location.

`defs` is built lazily by a function: the environment (target, landing folder,
warehouse path) is read when Dagster loads the definitions, never at import, so
tests and tools can import anything without side effects.
"""

from __future__ import annotations

import dagster as dg
from customer_usage.alerts.sensors import build_alert_defs
from customer_usage.automation.definitions import build_automation_defs
from customer_usage.catalog.definitions import build_catalog_defs
from customer_usage.checks.definitions import build_check_defs
from customer_usage.dbt.assets import build_dbt_assets, dbt_cli_resource
from customer_usage.dbt.project import dbt_project
from customer_usage.exports.definitions import build_export_defs
from customer_usage.settings import Settings
from customer_usage.sources.definitions import build_source_defs
from customer_usage.warehouse import warehouse_resource_for


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    project = dbt_project(settings)
    core = dg.Definitions(
        assets=build_dbt_assets(project, settings),
        resources={
            "warehouse": warehouse_resource_for(settings),
            "dbt": dbt_cli_resource(project, settings),
        },
        # DuckDB allows one writer per file: steps of a local run go one at a time.
        executor=dg.in_process_executor if settings.is_local else dg.multiprocess_executor,
    )
    return dg.Definitions.merge(
        core,
        build_source_defs(settings),
        build_check_defs(settings),
        build_catalog_defs(settings),
        build_export_defs(settings),
        build_automation_defs(settings),
        build_alert_defs(),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
