"""The export sensor: one run request per mart materialization that passed its blocking checks.

A stand-in mart asset (same key as the real one) with one blocking check keeps
these tests independent of the dbt models; the sensor is the real one.
"""

from __future__ import annotations

import dagster as dg
import pytest

from customer_usage.exports.assets import MART_KEY
from customer_usage.exports.sensor import build_export_sensor

CHECK_PASSES = {"value": True}


@dg.asset(key=MART_KEY, partitions_def=dg.MonthlyPartitionsDefinition(start_date="2026-01-01"))
def fake_mart() -> None:
    return None


@dg.asset_check(asset=MART_KEY, blocking=True, name="primary_key_unique")
def fake_mart_check() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=CHECK_PASSES["value"])


@dg.asset(key=["exports", "salesforce_account_usage"], deps=[MART_KEY])
def fake_export() -> None:
    return None


JOB = dg.define_asset_job("export_job", selection=[dg.AssetKey(["exports", "salesforce_account_usage"])])
EXPORT_KEY = dg.AssetKey(["exports", "salesforce_account_usage"])
SENSOR = build_export_sensor(JOB, MART_KEY, run_tags={"customer_usage/warehouse": "duckdb"},
                             export_keys=[EXPORT_KEY])
DEFS = dg.Definitions(assets=[fake_mart, fake_export], asset_checks=[fake_mart_check], jobs=[JOB], sensors=[SENSOR])


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def refresh_mart(instance, passes: bool = True, partitions=("2026-03-01",)) -> None:
    CHECK_PASSES["value"] = passes
    for partition in partitions:
        result = dg.materialize([fake_mart, fake_mart_check], instance=instance, partition_key=partition,
                                raise_on_error=False)
        assert result.success is passes or not passes


def tick(instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=DEFS)
    result = SENSOR.evaluate_tick(context)
    return result.run_requests or [], result.cursor


def test_one_refresh_one_run_request_then_none(instance):
    refresh_mart(instance)
    requests, cursor = tick(instance, None)
    assert len(requests) == 1
    assert requests[0].run_key.startswith("marts/mart_product_usage_paid_user_metrics_monthly@")
    assert requests[0].tags["customer_usage/warehouse"] == "duckdb"

    again, cursor2 = tick(instance, cursor)
    assert again == [] and cursor2 == cursor  # no new materialization: nothing

    refresh_mart(instance)
    third, _ = tick(instance, cursor)
    assert len(third) == 1 and third[0].run_key != requests[0].run_key


def test_failed_blocking_check_means_no_export(instance):
    refresh_mart(instance, passes=False)
    requests, cursor = tick(instance, None)
    assert requests == [] and cursor is not None  # handled: a later tick will not retry it
    assert tick(instance, cursor)[0] == []


def test_many_partitions_in_one_refresh_export_once(instance):
    refresh_mart(instance, partitions=("2026-01-01", "2026-02-01", "2026-03-01"))
    requests, cursor = tick(instance, None)
    assert len(requests) == 1  # three separate runs here: the latest materialization counts, once
    assert tick(instance, cursor)[0] == []


def test_a_refresh_exported_by_its_own_run_is_not_exported_again(instance):
    """`make dev` right after `make run`: the main job's run refreshed the mart AND exported it."""
    CHECK_PASSES["value"] = True
    result = dg.materialize([fake_mart, fake_mart_check, fake_export], instance=instance,
                            partition_key="2026-03-01")
    assert result.success
    requests, cursor = tick(instance, None)
    assert requests == [] and cursor is not None
    refresh_mart(instance)  # a later refresh without its export: exported once
    assert len(tick(instance, cursor)[0]) == 1


def test_the_code_location_runs_the_sensor_by_default(tmp_path, monkeypatch):
    from customer_usage.exports.definitions import build_export_defs
    from customer_usage.settings import Settings

    monkeypatch.delenv("SFDC_USERNAME", raising=False)
    from customer_usage.warehouse import WarehouseResource

    settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    defs = dg.Definitions.merge(
        build_export_defs(settings),
        dg.Definitions(resources={"warehouse": WarehouseResource(duckdb_path=str(settings.duckdb_path))}),
    )
    sensor = defs.resolve_sensor_def("export_on_mart_refresh")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "export_job"
