"""When assets rebuild by themselves, and how late they may be.

Every asset downstream of the source tables carries `downstream_condition()`:
the declarative-automation sensor then requests it once after its upstreams
changed, only when every upstream blocking check passed, and never while an
upstream is still running. Sources themselves carry no condition: new data
enters through the arrival sensor (local) or the observation sensor (prod), so
a file drop, not a clock, starts the chain.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
from dagster._core.asset_graph_view.entity_subset import EntitySubset
from dagster._core.definitions.declarative_automation.automation_context import AutomationContext
from dagster._core.definitions.declarative_automation.operators.boolean_operators import (
    OrAutomationCondition,
)
from dagster._core.definitions.declarative_automation.operands.subset_automation_condition import (
    SubsetAutomationCondition,
)
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionResolvedStatus,
)
from dagster._record import record

# Runs that write the warehouse carry this tag; the instance's run queue allows one
# at a time (DuckDB has one writer per file) and the arrival sensor waits for them.
WRITER_TAG_KEY = "customer_usage/warehouse"
WRITER_TAGS = {WRITER_TAG_KEY: "duckdb"}

# A closed month is finalised on the 2nd at 03:00 UTC, leaving a day for late pings.
MONTH_CLOSE_CRON = "0 3 2 * *"
# Reaching back this far from the end of the open month covers exactly the previous
# month too: two consecutive months span 59-62 days, three at least 89.
MONTH_CLOSE_LOOKBACK = dt.timedelta(days=62)

# Marts are expected to refresh at least daily when data flows; two days means
# something is stuck (a paused sensor, a failing check, a failed run).
MART_FRESHNESS_WARN = dt.timedelta(hours=26)
MART_FRESHNESS_FAIL = dt.timedelta(hours=50)


@record
class BlockingCheckNotErrored(SubsetAutomationCondition[dg.AssetCheckKey]):
    """A check's latest result, for its asset's latest materialization, is not an ERROR.

    Dagster's `check_passed()` treats a WARN-severity failure as a failure, while
    the run machinery only stops downstream steps on ERROR. Our blocking checks
    use WARN for "worth a look, not worth stopping" (coverage between the warn
    and error thresholds), so automation follows the run machinery: WARN passes,
    ERROR blocks, and a check not (yet) run against the latest materialization blocks.
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
        if status == AssetCheckExecutionResolvedStatus.SUCCEEDED:
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
    from dagster._core.definitions.assets.graph.asset_graph import executable_in_same_run

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


def refresh_on_upstream_change() -> dg.AutomationCondition:
    """Eager, gated by upstream blocking checks (no ERROR result).

    `eager()` already means "once per change": an update of several parents on
    one tick is one request, and a child whose parent is requested on the same
    tick joins that run. For a monthly-partitioned asset it only looks at the
    latest partition, the open month, which is therefore created and refreshed
    as pings arrive.
    """
    return (
        dg.AutomationCondition.eager() & all_deps_blocking_checks_not_errored()
    ).with_label("refresh_on_upstream_change")


def build_when_missing() -> dg.AutomationCondition:
    """Never built yet (open month, for monthly assets) and everything upstream is there.

    `eager()` only reacts to changes after the sensor's first evaluation, so on a
    fresh warehouse a model whose parents were already loaded would wait for
    their next change. This builds it once its parents exist. A failed build is
    not retried in a loop: the next upstream change (or a manual run) retries it.
    """
    return (
        dg.AutomationCondition.in_latest_time_window()
        & dg.AutomationCondition.missing()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & ~dg.AutomationCondition.execution_failed()
        & all_deps_blocking_checks_not_errored()
    ).with_label("build_when_missing")


def finalise_closed_month() -> dg.AutomationCondition:
    """The month that just closed is rebuilt once, after MONTH_CLOSE_CRON.

    The open month's runs saw only the pings that had arrived by then; once the
    month is over (and late pings had a day to land) it is built one last time.
    Unpartitioned assets never match: `~in_latest_time_window()` is empty for them.
    """
    previous_month = (
        dg.AutomationCondition.in_latest_time_window(lookback_delta=MONTH_CLOSE_LOOKBACK)
        & ~dg.AutomationCondition.in_latest_time_window()
    ).with_label("previous_month")
    return (
        previous_month
        & dg.AutomationCondition.cron_tick_passed(MONTH_CLOSE_CRON).since_last_handled()
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
        & all_deps_blocking_checks_not_errored()
    ).with_label("finalise_closed_month")


class _EvaluatedInUserCode(OrAutomationCondition):
    """A plain OR, under a class name serdes does not know.

    `BlockingCheckNotErrored` cannot be serialized, but `all_checks_match` hides
    its operand from `is_serializable`, so Dagster would try to ship the whole
    condition to the daemon and the UI and fail to load the code location. Being
    unknown to serdes, this class makes Dagster ship only the condition's
    snapshot (for the UI); the automation sensor evaluates it in the code server
    (`use_user_code_server=True`).
    """


def downstream_condition() -> dg.AutomationCondition:
    """The condition for every dbt model and Python asset downstream of the sources.

    Not for source assets (new data starts the chain) and not for exports (the
    export sensor sends them when the mart refreshed).
    """
    return _EvaluatedInUserCode(
        operands=[refresh_on_upstream_change(), build_when_missing(), finalise_closed_month()]
    ).with_label("customer_usage_refresh")


def check_runs_with_its_asset() -> dg.AutomationCondition:
    """For checks of subsettable multi-assets (dbt tests): requested whenever their asset is.

    Automation requests assets, and a dbt test is a separate, subsettable check:
    without a condition of its own it would not join its model's run, its result
    would then be missing for the new build, and the gate above would hold every
    child back until a later tick, one layer per run.
    """
    return dg.AutomationCondition.any_deps_match(dg.AutomationCondition.will_be_requested()).with_label(
        "runs_with_its_asset"
    )


def check_condition() -> dg.AutomationCondition:
    """For Python asset checks that read other tables too (`additional_deps`, e.g. coverage).

    Runs with its asset, and again when one of the other tables it reads changed,
    so its result describes the current join; once per change.
    """
    return dg.AutomationCondition.eager().with_label("check_refresh_on_change")


def mart_freshness_policy() -> dg.FreshnessPolicy:
    """Freshness of the marts, so the UI shows what is late (Assets → Freshness)."""
    return dg.FreshnessPolicy.time_window(fail_window=MART_FRESHNESS_FAIL, warn_window=MART_FRESHNESS_WARN)
