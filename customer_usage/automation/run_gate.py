"""Nothing is requested while a run that will build it, or a parent of it, has not finished.

Dagster decides "in progress" from the ASSET_MATERIALIZATION_PLANNED events a run
logs when it is created. Creating a run and logging those events are two steps:
a daemon killed between them (a deploy, an OOM kill, a node drain) leaves a run
that its resumed tick launches, yet that Dagster does not count as building its
assets. The automation then requested them again (`build_when_missing`: still
missing; the production end-to-end test caught it: the staging models built twice
and, because the late run's check results then pointed at the older build, the
monthly chain held back for good). The run's own asset selection is the record
that cannot be missing, so the gate reads that.

A tick also reads the instance in two moments: Dagster prefetches every asset's
record when the tick starts, and asks for run statuses while it evaluates, which
under load takes 10-30 s. A run that finished in between looked done while its
materializations were not in the prefetched records: "missing", requested again
(the monthly mart built twice in the e2e test). So a run that finished after the
tick started still holds its assets for this tick; the next tick sees its
materializations.
"""

from __future__ import annotations

import datetime as dt
import weakref

import dagster as dg

from customer_usage.automation.runs import assets_of_unfinished_runs
from customer_usage.compat import (
    AutomationContext,
    EntitySubset,
    SubsetAutomationCondition,
    record,
)

# A tick whose evaluation time is further from the clock than this is a simulation
# (tests, `evaluate_automation_conditions` with a date): it has no prefetch race.
LIVE_TICK = dt.timedelta(minutes=10)

# One run query per tick: keyed on the tick's asset graph view, forgotten with it.
_PER_TICK: "weakref.WeakKeyDictionary[object, frozenset[dg.AssetKey]]" = weakref.WeakKeyDictionary()


def _unfinished(context: AutomationContext) -> frozenset[dg.AssetKey]:
    view = context.asset_graph_view
    if view not in _PER_TICK:
        _PER_TICK[view] = assets_of_unfinished_runs(view.instance, finished_since=_tick_start(context))
    return _PER_TICK[view]


def _tick_start(context: AutomationContext) -> dt.datetime:
    """When the tick started (before its prefetch); now, for a simulated evaluation time."""
    now = dt.datetime.now(dt.timezone.utc)
    started = context.evaluation_time
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.timezone.utc)
    return started if dt.timedelta(0) <= now - started <= LIVE_TICK else now


@record
class SelectedByUnfinishedRun(SubsetAutomationCondition[dg.AssetKey]):
    """A queued, starting or running run selects this asset, or one that just finished
    (all its partitions: a month waits for any unfinished run of its asset, which only
    delays it by that run)."""

    @property
    def name(self) -> str:
        return "selected_by_unfinished_run"

    def compute_subset(self, context: AutomationContext[dg.AssetKey]) -> EntitySubset[dg.AssetKey]:  # type: ignore[override]
        view = context.asset_graph_view
        if context.key in _unfinished(context):
            return view.get_full_subset(key=context.key)
        return view.get_empty_subset(key=context.key)


def no_unfinished_run_builds_it_or_a_parent() -> dg.AutomationCondition:
    return (
        ~SelectedByUnfinishedRun()
        & ~dg.AutomationCondition.any_deps_match(SelectedByUnfinishedRun())
    ).with_label("no_unfinished_run_builds_it_or_a_parent")
