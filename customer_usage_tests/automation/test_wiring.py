"""The real code location carries the automation: conditions, sensors, schedules."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster_shared.serdes import deserialize_value, serialize_value

from customer_usage.automation.arrival import ARRIVAL_SENSOR_NAME
from customer_usage.automation.definitions import AUTOMATION_SENSOR_NAME
from customer_usage.automation.schedules import SAFETY_NET_SCHEDULE_NAME
from customer_usage.settings import Settings
from customer_usage_tests.helpers import environment, local_settings

SYSTEMS = {"gitlab_dotcom", "customers_db", "license_db", "zuora", "version_db", "sfdc"}


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    from customer_usage.definitions import build_definitions

    tmp = tmp_path_factory.mktemp("wiring")
    (tmp / "landing").mkdir()
    with environment(**local_settings(tmp)):
        return build_definitions(Settings.from_env())


def test_models_downstream_of_sources_carry_the_condition(defs):
    graph = defs.resolve_asset_graph()
    labels = {}
    for key in graph.materializable_asset_keys:
        condition = graph.get(key).automation_condition
        labels[key] = condition.get_label() if condition else None
    models = {k for k in labels if k.path[0] in ("staging", "intermediate", "marts")}
    assert models, "no dbt models in the code location"
    assert {labels[k] for k in models} == {"customer_usage_refresh"}
    # new data starts the chain, and the export sensor sends the exports: no condition there
    assert {labels[k] for k in labels if k.path[0] in SYSTEMS | {"exports"}} == {None}


def test_marts_have_freshness_policies(defs):
    graph = defs.resolve_asset_graph()
    marts = [k for k in graph.materializable_asset_keys if k.path[0] == "marts"]
    assert marts and all(graph.get(k).freshness_policy is not None for k in marts)


def test_sensors_run_by_default_and_the_safety_net_does_not(defs):
    repo = defs.get_repository_def()
    assert repo.get_sensor_def(ARRIVAL_SENSOR_NAME).default_status == dg.DefaultSensorStatus.RUNNING
    automation = repo.get_sensor_def(AUTOMATION_SENSOR_NAME)
    assert automation.default_status == dg.DefaultSensorStatus.RUNNING
    assert automation.run_tags["customer_usage/warehouse"] == "duckdb"
    assert repo.get_schedule_def(SAFETY_NET_SCHEDULE_NAME).default_status == dg.DefaultScheduleStatus.STOPPED
    # our sensor targets every automated asset: Dagster adds no default sensor of its own
    assert not repo.has_sensor_def("default_automation_condition_sensor")


def test_the_code_location_snapshot_serializes(defs):
    """What the daemon and the UI receive from the code server (a custom condition operand
    must not leak into it, or the code location fails to load)."""
    snap = RepositorySnap.from_def(defs.get_repository_def())
    assert deserialize_value(serialize_value(snap), RepositorySnap).name == snap.name


def test_one_setting_sets_how_often_the_sensors_look(defs, tmp_path):
    from customer_usage.definitions import build_definitions
    from customer_usage.exports.sensor import SENSOR_NAME as EXPORT_SENSOR_NAME
    from customer_usage.settings import SettingsError

    watched = (ARRIVAL_SENSOR_NAME, AUTOMATION_SENSOR_NAME, EXPORT_SENSOR_NAME)
    repo = defs.get_repository_def()
    assert [repo.get_sensor_def(n).minimum_interval_seconds for n in watched] == [15, 30, 30]
    (tmp_path / "landing").mkdir()
    with environment(**local_settings(tmp_path), CUSTOMER_USAGE_SENSOR_INTERVAL_SECONDS="4"):
        fast = build_definitions(Settings.from_env()).get_repository_def()
    assert [fast.get_sensor_def(n).minimum_interval_seconds for n in watched] == [4, 4, 4]
    with pytest.raises(SettingsError, match="CUSTOMER_USAGE_SENSOR_INTERVAL_SECONDS='0' must be between 1"):
        Settings.from_env({"CUSTOMER_USAGE_SENSOR_INTERVAL_SECONDS": "0"})
