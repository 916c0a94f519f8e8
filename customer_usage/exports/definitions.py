"""Exports to Salesforce and Gainsight, and the sensor that starts them.

Credentials are `EnvVar`s, resolved when a run starts and never logged; a
destination whose variables are not set when definitions load writes to the
local outbox instead (`<warehouse folder>/outbox/` and schema `export_outbox`).
"""

from __future__ import annotations

import os

import dagster as dg

from customer_usage.exports.assets import EXPORT_KEYS, MART_KEY, build_export_assets
from customer_usage.exports.gainsight import GainsightResource
from customer_usage.exports.assets import SYNC_KEYS
from customer_usage.exports.mapping import MAPPINGS_DIR, load_mappings
from customer_usage.exports.preview import build_preview_asset
from customer_usage.exports.sync import ExportPolicy
from customer_usage.exports.salesforce import SalesforceResource
from customer_usage.exports.sensor import EXPORT_INTERVAL_SECONDS, build_export_sensor
from customer_usage.settings import Settings
from customer_usage.warehouse import WRITER_TAGS

EXPORT_JOB = "export_job"
LOCAL_RUN_TAGS = WRITER_TAGS


def _env(name: str, environ) -> dg.EnvVar | None:
    """An EnvVar when the variable is set (resolved at run time), else None: the outbox."""
    return dg.EnvVar(name) if environ.get(name) else None


def salesforce_resource(environ=os.environ, **overrides) -> SalesforceResource:
    config = {
        "username": _env("SFDC_USERNAME", environ),
        "password": _env("SFDC_PASSWORD", environ),
        "security_token": _env("SFDC_SECURITY_TOKEN", environ),
        "domain": _env("SFDC_DOMAIN", environ),
        "instance_url": _env("SFDC_INSTANCE_URL", environ),
    }
    if environ.get("SFDC_OBJECT"):
        config["object_name"] = environ["SFDC_OBJECT"]
    if environ.get("SFDC_EXTERNAL_ID_FIELD"):
        config["external_id_field"] = environ["SFDC_EXTERNAL_ID_FIELD"]
    config.update(overrides)
    return SalesforceResource(**{k: v for k, v in config.items() if v is not None})


def gainsight_resource(environ=os.environ, **overrides) -> GainsightResource:
    config = {
        "base_url": _env("GAINSIGHT_BASE_URL", environ),
        "access_key": _env("GAINSIGHT_ACCESS_KEY", environ),
    }
    if environ.get("GAINSIGHT_OBJECT"):
        config["object_name"] = environ["GAINSIGHT_OBJECT"]
    config.update(overrides)
    return GainsightResource(**{k: v for k, v in config.items() if v is not None})


def export_job(settings: Settings):
    """The sync models (rebuilt from the refreshed mart) and the exports that read them."""
    selection = dg.AssetSelection.assets(*EXPORT_KEYS).upstream(depth=1).materializable()
    return dg.define_asset_job(
        EXPORT_JOB,
        selection=selection,
        tags=LOCAL_RUN_TAGS if settings.is_local else None,
        description="Rebuild the sync tables and send what changed to Salesforce and Gainsight.",
    )


def export_policy(settings: Settings) -> ExportPolicy:
    return ExportPolicy(
        park_after_failures=settings.export_park_after_failures,
        max_failure_rate=settings.export_max_failure_rate,
        history_retention_days=settings.export_history_days,
        preview_rows=settings.export_preview_rows,
    )


def preview_dir(settings: Settings):
    return settings.duckdb_path.parent / "export_preview"


def _thresholds(settings: Settings):
    from customer_usage.checks.coverage import MEASURES
    from customer_usage.checks.thresholds import load_thresholds

    return load_thresholds(measures=[m.name for m in MEASURES], settings=settings)


def build_export_defs(settings: Settings) -> dg.Definitions:
    job = export_job(settings)
    policy = export_policy(settings)
    mappings = load_mappings(settings.export_mappings_dir or MAPPINGS_DIR)  # a bad mapping fails the load here
    return dg.Definitions(
        assets=[*build_export_assets(settings.duckdb_path.parent / "outbox", policy=policy, mappings=mappings,
                                     thresholds=_thresholds(settings)),
                build_preview_asset(preview_dir(settings), policy, SYNC_KEYS, mappings)],
        jobs=[job],
        sensors=[build_export_sensor(job, MART_KEY, run_tags=LOCAL_RUN_TAGS if settings.is_local else None,
                                     export_keys=EXPORT_KEYS,
                                     minimum_interval_seconds=settings.sensor_interval_seconds or EXPORT_INTERVAL_SECONDS)],
        resources={"salesforce": salesforce_resource(), "gainsight": gainsight_resource()},
    )
