"""The gate on upstream blocking checks, as the run machinery applies it: ERROR blocks, WARN does not.

Dagster's `all_deps_blocking_checks_passed()` treats a WARN-severity failure like
an ERROR, while within a run only an ERROR stops the steps downstream of a
blocking check. Our blocking checks use WARN for "worth a look, not worth
stopping" (key coverage between its warn and error thresholds), so the
automation follows the run machinery instead.
"""

from __future__ import annotations

import dagster as dg

from customer_usage.compat import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionResolvedStatus,
    AutomationContext,
    EntitySubset,
    SubsetAutomationCondition,
    executable_in_same_run,
    record,
)


@record
class BlockingCheckNotErrored(SubsetAutomationCondition[dg.AssetCheckKey]):
    """A check's latest result, for its asset's latest materialization, is not an ERROR.

    True when it passed, warned or was skipped in the asset's run, or when its
    asset joins the run being planned (the check then runs in that run, before
    the child). False when it errored or its execution failed, or when it has not
    been planned against the asset's latest materialization.
    """

    @property
    def name(self) -> str:
        return "blocking_check_not_errored"

    async def compute_subset(  # type: ignore[override]
        self, context: AutomationContext[dg.AssetCheckKey]
    ) -> EntitySubset[dg.AssetCheckKey]:
        view = context.asset_graph_view
        if _asset_joins_the_run(context):
            # its check is requested with it (`check_runs_with_its_asset`) and, being
            # blocking, stops the run before the child if it errors
            return view.get_full_subset(key=context.key)
        if view.asset_graph.get(context.key.asset_key).partitions_def is not None:
            return await view.compute_subset_with_status(
                key=context.key, status=AssetCheckExecutionResolvedStatus.SUCCEEDED,
                from_subset=context.candidate_subset,
            )
        latest = await AssetCheckExecutionRecord.gen(view, context.key)
        if latest is None or not await latest.targets_latest_materialization(view):
            return view.get_empty_subset(key=context.key)
        status = await latest.resolve_status(view)
        if status in (AssetCheckExecutionResolvedStatus.SUCCEEDED, AssetCheckExecutionResolvedStatus.SKIPPED):
            # SKIPPED: planned in the asset's run, not executed (dbt leaves a
            # relationships test out of a run that lacks its other model); it did
            # not stop that run either
            return view.get_full_subset(key=context.key)
        if status == AssetCheckExecutionResolvedStatus.FAILED and _severity(latest) == dg.AssetCheckSeverity.WARN:
            return view.get_full_subset(key=context.key)
        return view.get_empty_subset(key=context.key)


def _asset_joins_the_run(context: AutomationContext[dg.AssetCheckKey]) -> bool:
    """The check's asset is requested on this tick, in a run the evaluated asset can share.

    Looked up on the asset rather than on the check because a check that also
    reads another table (`relationships` tests) is evaluated after that table,
    which may come after the child being evaluated now.
    """
    asset_key = context.key.asset_key
    requested = context.request_subsets_by_key.get(asset_key)
    return bool(
        requested is not None
        and not requested.is_empty
        and executable_in_same_run(
            asset_graph=context.asset_graph_view.asset_graph,
            child_key=context.root_context.key,
            parent_key=asset_key,
        )
    )


def _severity(execution: AssetCheckExecutionRecord) -> dg.AssetCheckSeverity | None:
    dagster_event = execution.event.dagster_event if execution.event else None
    evaluation = dagster_event.event_specific_data if dagster_event else None
    return getattr(evaluation, "severity", None)


def all_deps_blocking_checks_not_errored() -> dg.AutomationCondition:
    """Like `all_deps_blocking_checks_passed()`, with WARN results counting as passed."""
    return dg.AutomationCondition.all_deps_match(
        dg.AutomationCondition.all_checks_match(
            BlockingCheckNotErrored() | dg.AutomationCondition.will_be_requested(),
            blocking_only=True,
        ).with_label("no_blocking_check_errored")
    ).with_label("all_deps_blocking_checks_not_errored")


@record
class CheckedAssetWillBeRequested(SubsetAutomationCondition[dg.AssetCheckKey]):
    """The asset this check is on is requested on this tick.

    Unlike `any_deps_match(will_be_requested())`, a check that also reads other
    tables (dbt `relationships` tests) is not requested when only one of those is
    rebuilt: run alone, the test would query a model that may not exist yet.
    Unknown to serdes on purpose: Dagster then ships only the condition's
    snapshot, and the automation sensor evaluates it in the code server.
    """

    @property
    def name(self) -> str:
        return "checked_asset_will_be_requested"

    def compute_subset(  # type: ignore[override]
        self, context: AutomationContext[dg.AssetCheckKey]
    ) -> EntitySubset[dg.AssetCheckKey]:
        view = context.asset_graph_view
        requested = context.request_subsets_by_key.get(context.key.asset_key)
        if requested is None or requested.is_empty:
            return view.get_empty_subset(key=context.key)
        return view.get_full_subset(key=context.key)
