"""The export assets: one per destination, downstream of its dbt sync model.

Each reads its sync table, sends only what changed since the last successful
sync (state in `export_state.<export>`), and reports sent / unchanged / failed /
retried counts. Without credentials the records go to the local outbox instead.

An export whose joins are below their coverage error threshold is held back
(`holds.py`): nothing is sent or written to the outbox, the asset is not
materialized, and an observation on it carries the message (`held_back`).

(No `from __future__ import annotations` here: Dagster inspects the `context`
annotation of asset functions.)
"""

import time
from pathlib import Path
from typing import Callable, Mapping

import dagster as dg

from customer_usage.checks.thresholds import Threshold
from customer_usage.exports import holds
from customer_usage.exports.gainsight import GainsightResource
from customer_usage.exports.outbox import OutboxDestination
from customer_usage.exports.salesforce import SalesforceResource, field_name as sfdc_field_name
from customer_usage.exports.sync import ExportResult, ExportSpec, run_export
from customer_usage.warehouse import WAREHOUSE_POOL, WarehouseResource

MART_KEY = dg.AssetKey(["marts", "mart_product_usage_paid_user_metrics_monthly"])

SALESFORCE = ExportSpec(
    name="salesforce_account_usage", source_table="sync_sfdc_account_usage", key_column="dim_crm_account_id"
)
GAINSIGHT = ExportSpec(
    name="gainsight_subscription_usage", source_table="sync_gainsight_subscription_usage", key_column="primary_key"
)
EXPORT_KEYS = [dg.AssetKey(["exports", SALESFORCE.name]), dg.AssetKey(["exports", GAINSIGHT.name])]
SYNC_KEYS = [dg.AssetKey(["exports", SALESFORCE.source_table]), dg.AssetKey(["exports", GAINSIGHT.source_table])]


def _materialize_result(context: dg.AssetExecutionContext, result: ExportResult, extra: dict) -> dg.MaterializeResult:
    context.log.info(
        f"{result.export} -> {result.destination}: sent {result.sent}, unchanged {result.unchanged}, "
        f"failed {result.failed}, retried {result.retried} of {result.total} rows"
    )
    for key, error in list(result.errors.items())[:5]:
        context.log.warning(f"{result.export}: row {key} rejected: {error}")
    return dg.MaterializeResult(metadata={**result.metadata(), **extra})


def _held(context: dg.AssetExecutionContext, wh, key: dg.AssetKey, export: str,
          thresholds: Mapping[str, Threshold]) -> dg.AssetObservation | None:
    """An observation naming why `export` is held back, or None when it may go out."""
    found = holds.holds_in_warehouse(wh, export, thresholds)
    if not found:
        return None
    text = "\n".join(h.message for h in found)
    for hold in found:
        context.log.warning(hold.message)
    return dg.AssetObservation(
        asset_key=key,
        description=text,
        metadata={holds.HELD_BACK: text, "held_by_measures": [h.measure for h in found]},
    )


def build_export_assets(outbox_dir: Path, sleep: Callable[[float], None] = time.sleep,
                        thresholds: Mapping[str, Threshold] | None = None) -> list[dg.AssetsDefinition]:
    if thresholds is None:
        from customer_usage.checks.coverage import MEASURES
        from customer_usage.checks.thresholds import load_thresholds

        thresholds = load_thresholds(measures=[m.name for m in MEASURES])

    @dg.asset(
        key=EXPORT_KEYS[0],
        deps=[SYNC_KEYS[0]],
        group_name="exports",
        pool=WAREHOUSE_POOL,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"salesforce"},
        output_required=False,
        description=(
            "Upserts exports.sync_sfdc_account_usage into Salesforce (Bulk API 2.0, External ID), "
            "only rows changed since the last successful sync; rejected rows are retried next run. "
            "Without SFDC_* credentials: written to export_outbox.salesforce_account_usage."
        ),
    )
    def salesforce_account_usage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, salesforce: SalesforceResource
    ):
        extra: dict = {}
        with warehouse.connect() as wh:
            held = _held(context, wh, EXPORT_KEYS[0], SALESFORCE.name, thresholds)
        if held is not None:  # yielded after the connection is closed
            yield held
            return
        with warehouse.connect() as wh:
            if salesforce.configured:
                destination = salesforce.destination(sleep=sleep)
                extra = {"object": salesforce.object_name, "external_id_field": salesforce.external_id_field}
            else:
                destination = OutboxDestination(
                    wh, SALESFORCE.name, outbox_dir,
                    field_name=lambda c, k: sfdc_field_name(c, k, salesforce.external_id_field),
                )
                extra = destination.describe()
            result = run_export(wh, SALESFORCE, destination)
        session = getattr(destination, "session", None)
        if session is not None:
            extra.update({"http_requests": session.stats.requests, "http_retries": session.stats.retries,
                          "bulk_jobs": len(destination.jobs)})
        yield _materialize_result(context, result, extra)

    @dg.asset(
        key=EXPORT_KEYS[1],
        deps=[SYNC_KEYS[1]],
        group_name="exports",
        pool=WAREHOUSE_POOL,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"gainsight"},
        output_required=False,
        description=(
            "Upserts exports.sync_gainsight_subscription_usage into a Gainsight custom object keyed on "
            "primary_key (REST, 50 records per call, at most 100 calls per minute), only rows changed "
            "since the last successful sync. Without GAINSIGHT_* credentials: written to "
            "export_outbox.gainsight_subscription_usage."
        ),
    )
    def gainsight_subscription_usage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, gainsight: GainsightResource
    ):
        with warehouse.connect() as wh:
            held = _held(context, wh, EXPORT_KEYS[1], GAINSIGHT.name, thresholds)
        if held is not None:  # yielded after the connection is closed
            yield held
            return
        with warehouse.connect() as wh:
            if gainsight.configured:
                destination = gainsight.destination(sleep=sleep)
                extra = {"object": gainsight.object_name}
            else:
                destination = OutboxDestination(wh, GAINSIGHT.name, outbox_dir)
                extra = destination.describe()
            result = run_export(wh, GAINSIGHT, destination)
        if gainsight.configured:
            stats = destination.session.stats
            extra.update({"api_calls": destination.calls, "http_requests": stats.requests,
                          "http_retries": stats.retries,
                          "rate_limit_wait_seconds": round(destination.session.limiter.waited_seconds, 1)})
        yield _materialize_result(context, result, extra)

    return [salesforce_account_usage, gainsight_subscription_usage]
