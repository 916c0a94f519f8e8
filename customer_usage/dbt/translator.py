"""How dbt nodes look in Dagster: groups by layer, automation on every model.

One small method per concern, after dagster-open-platform's translator.
"""

from __future__ import annotations

from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

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
        """Models rebuild when an upstream changed and no upstream blocking check failed."""
        if dbt_resource_props["resource_type"] not in ("model", "snapshot"):
            return None
        return dg.AutomationCondition.eager()
