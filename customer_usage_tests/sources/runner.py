"""Run the source and check definitions alone (no dbt), for fast tests of this area."""

from __future__ import annotations

from typing import Mapping, Sequence

import dagster as dg

from customer_usage.checks.definitions import build_check_defs
from customer_usage.settings import Settings
from customer_usage.sources.definitions import build_source_defs
from customer_usage.warehouse import WarehouseResource, warehouse_resource_for
from customer_usage_tests.helpers import environment


def source_definitions(env: Mapping[str, str], extra_assets: Sequence = (),
                       warehouse: WarehouseResource | None = None) -> dg.Definitions:
    with environment(**env):
        settings = Settings.from_env()
        return dg.Definitions.merge(
            build_source_defs(settings),
            build_check_defs(settings),
            dg.Definitions(assets=list(extra_assets),
                           resources={"warehouse": warehouse or warehouse_resource_for(settings)}),
        )


def run(defs: dg.Definitions, selection: str | list[str] | None = None) -> dg.ExecuteInProcessResult:
    """Materialize a selection string, or a list of "system/table" keys, in process."""
    job = defs.resolve_implicit_global_asset_job_def()
    keys = None
    if isinstance(selection, list):
        keys = [dg.AssetKey(k.split("/")) for k in selection]
    elif selection:
        keys = list(dg.AssetSelection.from_string(selection).resolve(defs.resolve_asset_graph()))
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=keys,
                                  raise_on_error=False)


def materialized(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """`{"system/table": metadata values}` of every materialization in the run."""
    out = {}
    for event in result.get_asset_materialization_events():
        m = event.event_specific_data.materialization
        out[m.asset_key.to_user_string()] = {k: v.value for k, v in m.metadata.items()}
    return out


def check_results(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], object]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.event_specific_data.error.message for e in result.all_events
            if e.is_step_failure and e.event_specific_data.error]
