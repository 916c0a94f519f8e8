"""Small stand-in assets shaped like the real graph: sources with a blocking
contract check, models downstream, a monthly mart. They let the automation be
tested without the other areas' code."""

from __future__ import annotations

import dagster as dg

from customer_usage.automation.conditions import downstream_condition
from customer_usage.partitions import monthly_partitions

SOURCES = [("zuora", "account"), ("zuora", "subscription"), ("sfdc", "account"), ("version_db", "usage_data")]
# Source tables whose contract check fails on their next load, with the severity (tests set this).
FAILING_CHECKS: dict[tuple[str, str], dg.AssetCheckSeverity] = {}


def _source(system: str, table: str) -> dg.AssetsDefinition:
    key = dg.AssetKey([system, table])

    @dg.asset(
        key=key,
        group_name=system,
        check_specs=[dg.AssetCheckSpec("contract", asset=key, blocking=True)],
    )
    def _load():
        yield dg.MaterializeResult()
        severity = FAILING_CHECKS.get((system, table))
        yield dg.AssetCheckResult(
            check_name="contract", passed=severity is None, severity=severity or dg.AssetCheckSeverity.ERROR
        )

    return _load


SOURCE_ASSETS = [_source(s, t) for s, t in SOURCES]


@dg.asset(key=["staging", "stg_zuora__account"], deps=[dg.AssetKey(["zuora", "account"])],
          automation_condition=downstream_condition(), group_name="staging")
def stg_zuora_account() -> None: ...


@dg.asset(key=["marts", "dim_subscription"],
          deps=[dg.AssetKey(["staging", "stg_zuora__account"]), dg.AssetKey(["zuora", "subscription"]),
                dg.AssetKey(["sfdc", "account"])],
          automation_condition=downstream_condition(), group_name="marts")
def dim_subscription() -> None: ...


@dg.asset(key=["marts", "mart_monthly"],
          deps=[dg.AssetKey(["marts", "dim_subscription"]), dg.AssetKey(["version_db", "usage_data"])],
          partitions_def=monthly_partitions(), automation_condition=downstream_condition(), group_name="marts")
def mart_monthly() -> None: ...


DOWNSTREAM_ASSETS = [stg_zuora_account, dim_subscription, mart_monthly]
ALL_ASSETS = [*SOURCE_ASSETS, *DOWNSTREAM_ASSETS]
UNPARTITIONED = [*SOURCE_ASSETS, stg_zuora_account, dim_subscription]
