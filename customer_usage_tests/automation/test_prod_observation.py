"""Prod: observing the raw Snowflake tables (fakesnow) drives the downstream refresh."""

from __future__ import annotations

import json
from contextlib import contextmanager

import dagster as dg
import pytest

from customer_usage.automation.conditions import downstream_condition
from customer_usage.automation.definitions import build_automation_defs
from customer_usage.automation.observation import OBSERVATION_SCHEDULE_NAME, OBSERVE_JOB_NAME
from customer_usage.settings import Settings
from customer_usage.sources.definitions import build_source_defs
from customer_usage.warehouse import SnowflakeWarehouse, WarehouseResource
from customer_usage_tests.helpers import fakesnow_server

STG = dg.AssetKey(["staging", "stg_zuora__account"])


class FakesnowWarehouseResource(WarehouseResource):
    """The prod warehouse resource, connected to a local fakesnow server."""

    connect_args: str = "{}"

    @contextmanager
    def connect(self):
        import snowflake.connector

        conn = snowflake.connector.connect(**json.loads(self.connect_args), database="DB1", schema="PUBLIC")
        try:
            yield SnowflakeWarehouse(conn)
        finally:
            conn.close()


@dg.asset(key=STG, deps=[dg.AssetKey(["zuora", "account"])], automation_condition=downstream_condition())
def stg_zuora_account() -> None: ...


@pytest.fixture(scope="module")
def snowflake():
    import fakesnow
    import snowflake.connector

    with fakesnow_server() as kwargs:
        conn = snowflake.connector.connect(**kwargs, database="DB1", schema="PUBLIC", create_database=True)
        try:
            yield kwargs, conn
        finally:
            conn.close()


def test_a_changed_observation_counts_as_new_data(snowflake, tmp_path, monkeypatch):
    monkeypatch.delenv("CUSTOMER_USAGE_PROD_LOAD_FILES", raising=False)
    kwargs, conn = snowflake
    cur = conn.cursor()
    cur.execute("create schema if not exists raw_zuora")
    cur.execute(
        "create or replace table raw_zuora.account (id varchar, account_number varchar, name varchar, "
        "crm_id varchar, status varchar, currency varchar, parent_id varchar, created_date timestamp_ntz, "
        "updated_date timestamp_ntz, deleted boolean)"
    )
    insert = (
        "insert into raw_zuora.account values ('{id}', 'N-{id}', 'Acme', null, 'Active', 'USD', null, "
        "'2025-01-01 00:00:00', '2025-01-02 00:00:00', false)"
    )
    cur.execute(insert.format(id="A1"))
    cur.execute(insert.format(id="A2"))

    settings = Settings.from_env({"CUSTOMER_USAGE_TARGET": "prod", "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "x")})
    defs = dg.Definitions.merge(
        build_source_defs(settings),
        build_automation_defs(settings),
        dg.Definitions(
            assets=[stg_zuora_account],
            resources={"warehouse": FakesnowWarehouseResource(target="prod", connect_args=json.dumps(kwargs))},
        ),
    )
    repo = defs.get_repository_def()
    assert not repo.has_sensor_def("landing_arrival_sensor")  # prod watches Snowflake, not files
    schedule = repo.get_schedule_def(OBSERVATION_SCHEDULE_NAME)
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    job = defs.resolve_job_def(OBSERVE_JOB_NAME)
    assert dg.AssetKey(["zuora", "account"]) in job.asset_layer.asset_graph.get_all_asset_keys()

    instance = dg.DagsterInstance.ephemeral()
    cursor = None

    def observe_then_evaluate() -> int:
        nonlocal cursor
        # the schedule's run, limited to the one raw table this test creates (and its checks)
        run = job.execute_in_process(
            instance=instance, tags=schedule.tags, asset_selection=[dg.AssetKey(["zuora", "account"])]
        )
        assert run.success
        result = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=cursor, asset_selection=dg.AssetSelection.assets(STG)
        )
        cursor = result.cursor
        requested = result.get_num_requested(STG)
        if requested:  # the run the sensor would launch
            assert dg.materialize([stg_zuora_account], instance=instance).success
        return requested

    cursor = dg.evaluate_automation_conditions(  # the sensor's first tick, before any observation
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(STG)
    ).cursor
    assert observe_then_evaluate() == 1  # first observation: new data
    assert observe_then_evaluate() == 0  # same row count and last-altered: nothing
    cur.execute(insert.format(id="A3"))
    assert observe_then_evaluate() == 1  # the raw table changed
    latest = instance.fetch_observations(dg.AssetKey(["zuora", "account"]), limit=1).records[0]
    assert latest.asset_observation.metadata["dagster/row_count"].value == 3
