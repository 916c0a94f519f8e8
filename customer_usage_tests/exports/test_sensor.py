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

    settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")})
    defs = dg.Definitions.merge(
        build_export_defs(settings),
        dg.Definitions(resources={"warehouse": WarehouseResource(duckdb_path=str(settings.duckdb_path))}),
    )
    sensor = defs.resolve_sensor_def("export_on_mart_refresh")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "export_job"


# --- coverage checks hold exports back (docs/data-contract.md §8 "Checks and exports") ---------

COVERAGE = {"value": None}


def _coverage_check(system: str, table: str, name: str):
    from customer_usage.checks.coverage import MEASURES, CoverageResult, measure
    from customer_usage.checks.definitions import evaluate
    from customer_usage.checks.thresholds import load_thresholds

    @dg.asset(key=[system, table])
    def source() -> None:
        return None

    @dg.asset_check(asset=source, name=f"coverage_{name}")
    def check() -> dg.AssetCheckResult:
        numerator, denominator = COVERAGE["value"]
        thresholds = load_thresholds(measures=[m.name for m in MEASURES])
        return evaluate(CoverageResult(measure(name), numerator, denominator, []), thresholds[name])

    return source, check


def coverage_run(instance, system, table, name, numerator, denominator) -> None:
    COVERAGE["value"] = (numerator, denominator)
    source, check = _coverage_check(system, table, name)
    assert dg.materialize([source, check], instance=instance, raise_on_error=False).success


def tick_result(instance):
    return SENSOR.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=None, definitions=DEFS))


def test_a_join_below_error_that_every_export_needs_skips_with_the_message(instance):
    coverage_run(instance, "version_db", "usage_data", "pings_with_known_license", 2, 20)
    refresh_mart(instance)
    result = tick_result(instance)
    assert not result.run_requests
    assert "salesforce_account_usage held back: pings_with_known_license = 10.0% (2/20)" in result.skip_message
    assert "gainsight_subscription_usage held back" in result.skip_message

    coverage_run(instance, "version_db", "usage_data", "pings_with_known_license", 20, 20)  # fixed
    refresh_mart(instance)
    assert len(tick_result(instance).run_requests) == 1


def test_a_join_only_salesforce_needs_still_requests_the_run(instance):
    # the held Salesforce asset records its own hold; Gainsight must still go out
    coverage_run(instance, "zuora", "account", "billing_accounts_with_crm_account", 1, 20)
    refresh_mart(instance)
    assert len(tick_result(instance).run_requests) == 1


def test_a_measure_over_fewer_rows_than_min_sample_holds_nothing(instance):
    coverage_run(instance, "version_db", "usage_data", "pings_with_known_license", 0, 4)  # 0 % of 4 rows
    refresh_mart(instance)
    assert len(tick_result(instance).run_requests) == 1
