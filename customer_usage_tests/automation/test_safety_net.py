"""The daily safety-net schedule: finds what automation left stale, and runs it."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

import dagster as dg
import pytest

from customer_usage.automation.definitions import REFRESH_JOB_NAME, build_automation_defs
from customer_usage.automation.schedules import SAFETY_NET_SCHEDULE_NAME
from customer_usage.settings import Settings
from customer_usage_tests.automation.standins import ALL_ASSETS

ACCOUNT = dg.AssetKey(["zuora", "account"])
SUBSCRIPTION = dg.AssetKey(["zuora", "subscription"])
STG = dg.AssetKey(["staging", "stg_zuora__account"])
DIM = dg.AssetKey(["marts", "dim_subscription"])
MART = dg.AssetKey(["marts", "mart_monthly"])


@pytest.fixture
def net(tmp_path):
    with ExitStack() as stack:
        yield _net(tmp_path, stack)


def _net(tmp_path, stack):
    landing = tmp_path / "landing"
    (landing / "zuora").mkdir(parents=True)
    (landing / "zuora" / "account.csv").write_text("id\nA1\n")
    settings = Settings.from_env(
        {"CUSTOMER_USAGE_LANDING_DIR": str(landing), "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
    )
    defs = dg.Definitions.merge(dg.Definitions(assets=ALL_ASSETS), build_automation_defs(settings))
    # a persistent test instance: schedule contexts re-open the instance from its ref
    (tmp_path / "dagster_home").mkdir()
    instance = stack.enter_context(dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")))
    repo = defs.get_repository_def()
    schedule = repo.get_schedule_def(SAFETY_NET_SCHEDULE_NAME)

    def tick():
        data = schedule.evaluate_tick(dg.build_schedule_context(instance=instance, repository_def=repo))
        return data.run_requests or []

    def run(request: dg.RunRequest):
        job = defs.resolve_job_def(REFRESH_JOB_NAME)
        result = job.execute_in_process(
            instance=instance, asset_selection=list(request.asset_selection),
            partition_key=request.partition_key, tags=request.tags,
        )
        assert result.success

    return landing, instance, tick, run, schedule


def test_is_off_by_default_and_daily(net):
    schedule = net[4]
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 5 * * *"


def test_never_built_and_unloaded_files_are_stale_then_nothing(net):
    landing, instance, tick, run, _ = net
    (request,) = tick()
    keys = set(request.asset_selection)
    # the landed table, and every automated asset (never built); not the sources without a file
    assert keys == {ACCOUNT, STG, DIM, MART}
    assert request.partition_key == dg.MonthlyPartitionsDefinition("2024-01-01", end_offset=1).get_last_partition_key()
    assert request.tags["customer_usage/warehouse"] == "duckdb"
    run(request)  # one run mixes unpartitioned assets and the open month of the mart
    assert tick() == []


def test_a_newer_file_or_parent_makes_its_downstream_stale(net):
    landing, instance, tick, run, _ = net
    run(tick()[0])
    path = landing / "zuora" / "account.csv"
    time.sleep(0.01)
    now = time.time_ns()  # a new extract, written after the last load
    os.utime(path, ns=(now, now))
    (request,) = tick()
    assert set(request.asset_selection) == {ACCOUNT, STG, DIM, MART}
    run(request)
    dg.materialize(ALL_ASSETS, instance=instance, selection=[SUBSCRIPTION])  # loaded outside automation
    (request,) = tick()
    assert set(request.asset_selection) == {DIM, MART}
