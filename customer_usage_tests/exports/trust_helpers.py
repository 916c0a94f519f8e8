"""Helpers of the removed-rows / dry-run / parking / history tests: one export run with the real clients."""

from __future__ import annotations

import datetime as dt

from customer_usage.exports.assets import GAINSIGHT, SALESFORCE
from customer_usage.exports.mapping import default_mapping
from customer_usage.exports.sync import ExportPolicy, run_export
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.test_export_sync import Sleeps, gainsight_resource, sfdc_resource

SPECS = {"salesforce": SALESFORCE, "gainsight": GAINSIGHT}


def run(path, system: str, api, mapping=None, policy=None, now: dt.datetime | None = None, **overrides):
    spec = SPECS[system]
    resource = sfdc_resource(api, **overrides) if system == "salesforce" else gainsight_resource(api, **overrides)
    with WarehouseResource(target="local", duckdb_path=str(path)).connect() as wh:
        return run_export(wh, spec, resource.destination(sleep=Sleeps()), now=now,
                          mapping=mapping or default_mapping(spec.name), policy=policy or ExportPolicy())
