"""Downstream waits until a source load run has finished, so one drop is one refresh.

A load run materializes its tables one after the other. Dagster's
`any_deps_in_progress` stops counting a table as in progress once it is
materialized within the still-running run, so a tick in the middle of a load
would start rebuilding models over the tables loaded so far, and rebuild them
again when the rest lands. Holding every automated asset while a load
(`load_changed_sources`, or the prod observation) is queued or running keeps a
drop of many files to one refresh of each model.
"""

from __future__ import annotations

import dagster as dg

from customer_usage.automation.runs import run_in_progress
from customer_usage.compat import (
    AutomationContext,
    EntitySubset,
    SubsetAutomationCondition,
    record,
)

TRIGGER_TAG = "customer_usage/trigger"
LOAD_TRIGGERS = ("landing_arrival", "raw_observation")


def source_load_in_progress(instance: dg.DagsterInstance) -> bool:
    return any(run_in_progress(instance, {TRIGGER_TAG: trigger}) for trigger in LOAD_TRIGGERS)


@record
class SourceLoadInProgress(SubsetAutomationCondition[dg.AssetKey]):
    """A source load or observation run is queued or running (the same answer for every asset)."""

    @property
    def name(self) -> str:
        return "source_load_in_progress"

    def compute_subset(self, context: AutomationContext[dg.AssetKey]) -> EntitySubset[dg.AssetKey]:  # type: ignore[override]
        view = context.asset_graph_view
        if source_load_in_progress(view.instance):
            return view.get_full_subset(key=context.key)
        return view.get_empty_subset(key=context.key)
