"""How dbt nodes look in Dagster: groups by layer, automation on every model.

One small method per concern, after dagster-open-platform's translator.
"""

from __future__ import annotations

from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from customer_usage.automation.conditions import (
    check_runs_with_its_asset,
    downstream_condition,
    mart_freshness_policy,
)

LAYERS = ("staging", "intermediate", "marts", "exports")


class CustomerUsageTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(
            settings=DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                enable_code_references=False,
            )
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group models by dbt layer (their folder), so the UI shows the architecture."""
        if dbt_resource_props["resource_type"] != "model":
            return super().get_group_name(dbt_resource_props)
        fqn = dbt_resource_props.get("fqn", [])
        for part in fqn[1:-1]:
            if part in LAYERS:
                return part
        return "dbt"

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition | None:
        """Models rebuild when an upstream changed and no upstream blocking check errored.

        Not the export models (`sync_*`): the export sensor's run rebuilds them
        together with the exports that read them, once per mart refresh.
        """
        if dbt_resource_props["resource_type"] not in ("model", "snapshot"):
            return None
        if self.get_group_name(dbt_resource_props) == "exports":
            return None
        return downstream_condition()

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:
        """dbt tests run in their model's automated run (see `check_runs_with_its_asset`)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or asset_spec.automation_condition is None:
            return spec
        return spec._replace(automation_condition=check_runs_with_its_asset())

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        """Marts carry a freshness policy, so the UI shows which ones are late."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.group_name == "marts" and spec.freshness_policy is None:
            spec = spec.replace_attributes(freshness_policy=mart_freshness_policy())
        return spec
