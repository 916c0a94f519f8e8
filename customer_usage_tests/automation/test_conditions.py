"""Declarative automation on stand-in assets: what gets requested after a source load."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from customer_usage_tests.automation import standins
from customer_usage_tests.automation.standins import ALL_ASSETS, DOWNSTREAM_ASSETS

STG = dg.AssetKey(["staging", "stg_zuora__account"])


@dg.asset(key=STG, deps=[dg.AssetKey(["zuora", "account"])])
def broken_stg() -> None:
    raise RuntimeError("a model that fails to build")
DIM = dg.AssetKey(["marts", "dim_subscription"])
MART = dg.AssetKey(["marts", "mart_monthly"])
OPEN_MONTH = dt.date.today().replace(day=1).isoformat()


class Automation:
    """An instance plus the automation cursor, evaluated tick by tick like the daemon."""

    def __init__(self):
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor = None
        self.defs = dg.Definitions(assets=ALL_ASSETS)

    def evaluate(self, when: dt.datetime | None = None):
        result = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, cursor=self.cursor, evaluation_time=when
        )
        self.cursor = result.cursor
        return result

    def load(self, *sources: tuple[str, str]) -> bool:
        """A source run, as the arrival sensor would launch it (checks included)."""
        result = dg.materialize(
            ALL_ASSETS, instance=self.instance,
            selection=[dg.AssetKey(list(s)) for s in sources], raise_on_error=False,
        )
        return result.success

    def run_requested(self, result) -> None:
        """Execute what the tick requested (unpartitioned, then the requested month)."""
        plain = [k for k in (STG, DIM) if result.get_num_requested(k)]
        if plain:
            assert dg.materialize(ALL_ASSETS, instance=self.instance, selection=plain).success
        for partition in result.get_requested_partitions(MART):
            # recorded rather than executed: the month tests run ahead of the wall clock,
            # where the partition does not exist yet for an executor
            self.instance.report_runless_asset_event(dg.AssetMaterialization(MART, partition=partition))


def requested(result) -> dict[str, int]:
    return {k.path[-1]: result.get_num_requested(k) for k in (STG, DIM, MART) if result.get_num_requested(k)}


@pytest.fixture
def auto():
    standins.FAILING_CHECKS.clear()
    automation = Automation()
    # The sensor's first tick, before any data: eager() only acts on changes after it.
    assert automation.evaluate().total_requested == 0
    yield automation
    standins.FAILING_CHECKS.clear()


def test_source_load_requests_each_downstream_model_once(auto):
    assert auto.evaluate().total_requested == 0  # sources missing: nothing to build yet
    assert auto.load(*standins.SOURCES)
    result = auto.evaluate()
    # four parents changed, yet every model is requested once
    assert requested(result) == {"stg_zuora__account": 1, "dim_subscription": 1}
    auto.run_requested(result)
    # an unpartitioned parent and a monthly child cannot share a run: the mart follows
    # on the next tick, for the open month only
    result = auto.evaluate()
    assert requested(result) == {"mart_monthly": 1}
    assert result.get_requested_partitions(MART) == {OPEN_MONTH}
    auto.run_requested(result)
    assert auto.evaluate().total_requested == 0  # handled: no second request
    assert auto.evaluate().total_requested == 0


def settle(auto: Automation, when: dt.datetime | None = None) -> None:
    """Run what the automation requests until it requests nothing."""
    for _ in range(5):
        result = auto.evaluate(when)
        if not result.total_requested:
            return
        auto.run_requested(result)
    raise AssertionError("automation did not settle")


def test_only_what_depends_on_the_changed_table_rebuilds(auto):
    auto.load(*standins.SOURCES)
    settle(auto)
    auto.load(("version_db", "usage_data"))
    result = auto.evaluate()
    assert requested(result) == {"mart_monthly": 1}
    auto.run_requested(result)
    auto.load(("sfdc", "account"), ("zuora", "subscription"))
    result = auto.evaluate()
    assert requested(result) == {"dim_subscription": 1}
    auto.run_requested(result)
    assert requested(auto.evaluate()) == {"mart_monthly": 1}


def test_failing_blocking_check_upstream_requests_nothing(auto):
    auto.load(*standins.SOURCES)
    settle(auto)
    standins.FAILING_CHECKS[("zuora", "account")] = dg.AssetCheckSeverity.ERROR
    assert not auto.load(("zuora", "account"))  # the blocking check fails the run
    assert auto.evaluate().total_requested == 0
    assert auto.evaluate().total_requested == 0
    # once the table loads cleanly again the change flows downstream, once
    standins.FAILING_CHECKS.clear()
    assert auto.load(("zuora", "account"))
    assert requested(auto.evaluate()) == {"stg_zuora__account": 1, "dim_subscription": 1}


def test_a_failing_check_on_one_parent_blocks_a_model_with_several(auto):
    auto.load(*standins.SOURCES)
    settle(auto)
    standins.FAILING_CHECKS[("sfdc", "account")] = dg.AssetCheckSeverity.ERROR
    auto.load(("sfdc", "account"))
    auto.load(("zuora", "subscription"))  # a clean change on another parent of the same model
    assert requested(auto.evaluate()) == {}


def test_a_warning_from_a_blocking_check_does_not_block(auto):
    """WARN stops nothing in a run (only ERROR does), so automation does not stop either."""
    auto.load(*standins.SOURCES)
    settle(auto)
    standins.FAILING_CHECKS[("zuora", "account")] = dg.AssetCheckSeverity.WARN
    auto.load(("zuora", "account"))
    assert requested(auto.evaluate()) == {"stg_zuora__account": 1, "dim_subscription": 1}


def test_a_closed_month_is_finalised_once(auto):
    auto.load(*standins.SOURCES)
    settle(auto)
    # December starts: the open month becomes 2026-12; November is built once, on the 2nd
    first_of_december = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc)
    result = auto.evaluate(first_of_december)
    assert "2026-11-01" not in result.get_requested_partitions(MART)
    auto.run_requested(result)
    second = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.timezone.utc)
    result = auto.evaluate(second)
    assert result.get_requested_partitions(MART) == {"2026-11-01"}
    assert requested(result) == {"mart_monthly": 1}
    auto.run_requested(result)
    assert auto.evaluate(second + dt.timedelta(minutes=1)).total_requested == 0
    assert auto.evaluate(second + dt.timedelta(days=3)).total_requested == 0


def test_every_downstream_standin_uses_the_shared_condition():
    labels = {a.key: a.automation_conditions_by_key[a.key].get_label() for a in DOWNSTREAM_ASSETS}
    assert set(labels.values()) == {"customer_usage_refresh"}


@pytest.mark.parametrize("closed_month", ["2027-02-01", "2027-07-01", "2027-12-01"])
def test_month_close_picks_exactly_the_previous_month(auto, closed_month):
    start = dt.datetime.fromisoformat(closed_month).replace(day=10, tzinfo=dt.timezone.utc)
    auto.load(*standins.SOURCES)
    settle(auto, start)
    next_month = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    settle(auto, next_month + dt.timedelta(hours=1))  # the new open month is created
    result = auto.evaluate(next_month + dt.timedelta(days=1, hours=4))
    assert result.get_requested_partitions(MART) == {closed_month}


def test_a_fresh_warehouse_is_built_once_its_sources_exist():
    """Sources loaded before the sensor's first tick: eager alone would wait for their next change."""
    standins.FAILING_CHECKS.clear()
    auto = Automation()
    assert auto.load(*standins.SOURCES)
    result = auto.evaluate()  # the first evaluation ever
    assert requested(result) == {"stg_zuora__account": 1, "dim_subscription": 1}
    auto.run_requested(result)
    assert requested(auto.evaluate()) == {"mart_monthly": 1}


def test_a_failed_build_is_not_retried_in_a_loop():
    standins.FAILING_CHECKS.clear()
    auto = Automation()
    assert auto.load(*standins.SOURCES)
    result = auto.evaluate()
    assert result.get_num_requested(STG) == 1
    failed = dg.materialize(
        [*(a for a in ALL_ASSETS if a is not standins.stg_zuora_account), broken_stg],
        instance=auto.instance, selection=[STG], raise_on_error=False,
    )
    assert not failed.success
    assert auto.evaluate().get_num_requested(STG) == 0
    assert auto.evaluate().get_num_requested(STG) == 0
    auto.load(("zuora", "account"))  # the next change retries it
    assert auto.evaluate().get_num_requested(STG) == 1


def test_nothing_rebuilds_while_a_source_load_is_running(auto):
    """A drop's tables land one by one in one run; models wait for the whole run."""
    auto.load(*standins.SOURCES)
    settle(auto)
    run_id = add_run(auto, dg.DagsterRunStatus.STARTED, job_name="load_changed_sources",
                     tags={"customer_usage/trigger": "landing_arrival", "customer_usage/warehouse": "duckdb"})
    auto.load(("zuora", "account"))  # the first table of the drop has landed
    assert auto.evaluate().total_requested == 0
    assert auto.evaluate().total_requested == 0
    auto.instance.handle_run_event(
        run_id, dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name="load_changed_sources", message="")
    )
    assert requested(auto.evaluate()) == {"stg_zuora__account": 1, "dim_subscription": 1}


def add_run(auto: Automation, status, selection=(), tags=None, job_name="__ASSET_JOB") -> str:
    """A run as the instance holds it, without the planned events Dagster logs on creation
    (what a daemon killed between creating a run and logging them leaves behind)."""
    import uuid

    from dagster._core.remote_origin import (
        GrpcServerCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.storage.dagster_run import DagsterRun

    location = GrpcServerCodeLocationOrigin(host="localhost", port=4000, location_name="customer_usage")
    origin = RemoteJobOrigin(  # Dagster requires one for a queued run
        repository_origin=RemoteRepositoryOrigin(code_location_origin=location, repository_name="__repository__"),
        job_name=job_name)
    run_id = str(uuid.uuid4())
    auto.instance.add_run(DagsterRun(job_name=job_name, run_id=run_id, status=status,
                                     asset_selection=frozenset(selection), tags=tags or {},
                                     remote_job_origin=origin))
    return run_id


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.QUEUED,
                                    dg.DagsterRunStatus.STARTED])
def test_a_run_without_planned_events_still_holds_its_assets(status):
    """A fresh warehouse: the tick's run was created, the daemon died before Dagster logged
    its planned events; the resumed tick launches that run, and nothing asks for them again."""
    standins.FAILING_CHECKS.clear()
    auto = Automation()
    assert auto.load(*standins.SOURCES)
    result = auto.evaluate()
    assert requested(result) == {"stg_zuora__account": 1, "dim_subscription": 1}
    run_id = add_run(auto, status, selection=[STG, DIM])
    assert auto.evaluate().total_requested == 0  # still missing, but its run has not finished
    assert auto.evaluate().total_requested == 0
    # the run builds them and finishes: the mart (their child) follows once, they do not
    assert dg.materialize(ALL_ASSETS, instance=auto.instance, selection=[STG, DIM]).success
    auto.instance.handle_run_event(
        run_id, dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name="__ASSET_JOB", message=""))
    assert requested(auto.evaluate()) == {"mart_monthly": 1}


def test_a_child_waits_for_a_queued_run_of_its_parent(auto):
    auto.load(*standins.SOURCES)
    settle(auto)
    run_id = add_run(auto, dg.DagsterRunStatus.QUEUED, selection=[DIM])
    auto.load(("zuora", "account"))  # a change that would rebuild the staging model and its child
    assert requested(auto.evaluate()) == {"stg_zuora__account": 1}  # not the dimension: it is queued
    auto.instance.handle_run_event(
        run_id, dg.DagsterEvent(event_type_value="PIPELINE_CANCELED", job_name="__ASSET_JOB", message=""))


@pytest.mark.parametrize("status", [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED])
def test_a_queued_source_load_holds_the_models_too(auto, status):
    auto.load(*standins.SOURCES)
    settle(auto)
    add_run(auto, status, tags={"customer_usage/trigger": "landing_arrival"})
    auto.load(("zuora", "account"))
    assert auto.evaluate().total_requested == 0


def test_a_run_that_finished_during_the_tick_holds_its_assets_for_that_tick():
    """The daemon's tick reads asset records when it starts and run statuses later: a run that
    finished in between looked done while its builds were not in the records read."""
    standins.FAILING_CHECKS.clear()
    auto = Automation()
    assert auto.load(*standins.SOURCES)
    assert requested(auto.evaluate()) == {"stg_zuora__account": 1, "dim_subscription": 1}
    run_id = add_run(auto, dg.DagsterRunStatus.STARTED, selection=[STG, DIM])
    assert dg.materialize(ALL_ASSETS, instance=auto.instance, selection=[STG, DIM]).success
    tick_started = dt.datetime.now(dt.timezone.utc)
    auto.instance.handle_run_event(
        run_id, dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name="__ASSET_JOB", message=""))
    # a tick that started before that run finished: the mart waits for the next tick
    assert auto.evaluate(tick_started).total_requested == 0
    assert requested(auto.evaluate()) == {"mart_monthly": 1}
