"""Jobs, sensors and schedules that keep the platform fresh without anyone clicking.

local: landing_arrival_sensor -> load_changed_sources (one run per drop)
prod:  observe_raw_tables_schedule -> observe_raw_tables (observable raw tables; a
       changed data version is an update); with CUSTOMER_USAGE_PROD_LOAD_FILES=true
       the landing files are loaded into Snowflake, so the arrival sensor is used
then:  customer_usage_automation_sensor rebuilds everything downstream (dbt models
       and Python assets carrying `conditions.downstream_condition()`), and the
       export sensor (exports area) sends what the mart's refresh changed.
net:   daily_stale_refresh_schedule, off by default.

See docs/operations.md for the operator's view.
"""

from __future__ import annotations

import warnings

import dagster as dg

from customer_usage.automation.arrival import build_arrival_sensor
from customer_usage.automation.observation import build_observation_job, build_observation_schedule
from customer_usage.automation.schedules import build_safety_net_schedule
from customer_usage.settings import Settings
from customer_usage.sources.contract import SYSTEMS
from customer_usage.warehouse import writer_tags as warehouse_writer_tags

LOAD_JOB_NAME = "load_changed_sources"
REFRESH_JOB_NAME = "refresh_stale"
AUTOMATION_SENSOR_NAME = "customer_usage_automation_sensor"
AUTOMATION_INTERVAL_SECONDS = 30


def writer_tags(settings: Settings) -> dict[str, str]:
    return warehouse_writer_tags(settings.is_local)


def source_selection(observable: bool = False) -> dg.AssetSelection:
    """The source assets: groups named after the six systems (keys `[system, table]`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # include_sources: beta, used as documented
        return dg.AssetSelection.groups(*SYSTEMS, include_sources=observable)


def build_automation_defs(settings: Settings) -> dg.Definitions:
    tags = writer_tags(settings)
    refresh_job = dg.define_asset_job(
        REFRESH_JOB_NAME,
        selection=dg.AssetSelection.all().materializable(),
        tags=tags,
        description="Rebuilds what the daily safety net found stale (the run's asset selection).",
    )
    jobs: list = [refresh_job]
    sensors: list = []
    schedules: list = []
    if settings.loads_landing_files:
        load_job = dg.define_asset_job(
            LOAD_JOB_NAME,
            selection=source_selection(),
            tags=tags,
            description="Loads the source tables the arrival sensor found changed (the run's asset selection).",
        )
        jobs.append(load_job)
        arrival_interval = {"minimum_interval_seconds": settings.sensor_interval_seconds} \
            if settings.sensor_interval_seconds else {}
        sensors.append(build_arrival_sensor(settings.landing_dir, load_job, writer_tags=tags, **arrival_interval))
    else:
        observe_job = build_observation_job(source_selection(observable=True), tags)
        jobs.append(observe_job)
        schedules.append(build_observation_schedule(observe_job))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # use_user_code_server: beta, needed (below)
        automation_sensor = dg.AutomationConditionSensorDefinition(
            AUTOMATION_SENSOR_NAME,
            target=dg.AssetSelection.all(),
            run_tags={**tags, "customer_usage/trigger": "automation"},
            default_status=dg.DefaultSensorStatus.RUNNING,
            minimum_interval_seconds=settings.sensor_interval_seconds or AUTOMATION_INTERVAL_SECONDS,
            # evaluated in the code server: our condition has a custom operand (the
            # WARN-tolerant check gate) that the daemon's own evaluator cannot load
            use_user_code_server=True,
            description="Rebuilds models and assets after their upstreams changed (declarative automation).",
        )
    sensors.append(automation_sensor)
    schedules.append(
        build_safety_net_schedule(refresh_job, settings.landing_dir if settings.is_local else None, tags)
    )
    return dg.Definitions(jobs=jobs, sensors=sensors, schedules=schedules)
