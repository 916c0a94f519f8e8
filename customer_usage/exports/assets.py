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
from customer_usage.exports.mapping import ExportMapping, MappingError, load_mappings
from customer_usage.exports.outbox import OutboxDestination
from customer_usage.exports.salesforce import SalesforceResource
from customer_usage.exports.sync import ExportPolicy, ExportResult, ExportSpec, run_export
from customer_usage.exports.trust import (
    check_results,
    check_specs,
    definition_metadata,
    held_check_results,
    parked_rows,
)
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


def _materialize_result(context: dg.AssetExecutionContext, result: ExportResult, extra: dict,
                        checks: list[dg.AssetCheckResult] | None = None) -> dg.MaterializeResult:
    context.log.info(
        f"{result.export} -> {result.destination}: sent {result.sent} (inserted {result.inserted}, updated "
        f"{result.updated}, removed {result.removed}), unchanged {result.unchanged}, failed {result.failed}, "
        f"retried {result.retried}, parked {result.parked} of {result.total} rows"
    )
    for key, error in list(result.errors.items())[:5]:
        context.log.warning(f"{result.export}: row {key} rejected: {error}")
    if result.missing_columns:
        context.log.warning(f"{result.export}: mapped columns missing from the sync table, not sent: "
                            f"{', '.join(result.missing_columns)}")
    return dg.MaterializeResult(metadata={**result.metadata(), **extra}, check_results=checks)


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


def build_export_assets(
    outbox_dir: Path,
    sleep: Callable[[float], None] = time.sleep,
    policy: ExportPolicy | None = None,
    mappings: dict[str, ExportMapping] | None = None,
    thresholds: Mapping[str, Threshold] | None = None,
) -> list[dg.AssetsDefinition]:
    policy = policy or ExportPolicy()
    if thresholds is None:
        from customer_usage.checks.coverage import MEASURES
        from customer_usage.checks.thresholds import load_thresholds

        thresholds = load_thresholds(measures=[m.name for m in MEASURES])
    mappings = mappings or load_mappings()  # validated here: a bad mapping fails definitions load
    missing = [spec.name for spec in (SALESFORCE, GAINSIGHT) if spec.name not in mappings]
    if missing:
        raise MappingError(f"no field mapping for export(s) {', '.join(missing)}: add <export>.yml "
                           "to the mappings folder (CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR)")

    def export(wh, spec: ExportSpec, destination, context, key_field: str | None = None):
        mapping = mappings[spec.name].with_key_field(key_field)
        result = run_export(wh, spec, destination, mapping=mapping, policy=policy, run_id=context.run.run_id)
        key = EXPORT_KEYS[0] if spec is SALESFORCE else EXPORT_KEYS[1]
        return result, check_results(key, result, parked_rows(wh, spec.name, policy.park_after_failures), policy)

    def export_asset(index: int, spec: ExportSpec, kind: str, description: str):
        """The decorator both export assets share: one per sync table, in the writer pool."""
        return dg.asset(
            key=EXPORT_KEYS[index],
            deps=[SYNC_KEYS[index]],
            metadata=definition_metadata(mappings[spec.name], SYNC_KEYS[index]),
            check_specs=check_specs(EXPORT_KEYS[index], policy),
            group_name="exports",
            pool=WAREHOUSE_POOL,
            backfill_policy=dg.BackfillPolicy.single_run(),
            kinds={kind},
            output_required=False,
            description=description,
        )

    def hold_events(context, warehouse: WarehouseResource, key: dg.AssetKey, spec: ExportSpec) -> list:
        """The events of an export held back by a coverage check (its observation and its
        checks), or [] when it may go out. Read with the connection closed afterwards."""
        with warehouse.connect() as wh:
            held = _held(context, wh, key, spec.name, thresholds)
            if held is None:
                return []
            parked = parked_rows(wh, spec.name, policy.park_after_failures)
        return [held, *held_check_results(key, parked, policy, "export held back by a coverage check")]

    @export_asset(
        0, SALESFORCE, "salesforce",
        (
            "Upserts exports.sync_sfdc_account_usage into Salesforce (Bulk API 2.0, External ID), "
            "only rows changed since the last successful sync; rejected rows are retried next run "
            "(parked after repeated failures); accounts that left the sync table are cleared once. "
            "Fields: customer_usage/exports/mappings/salesforce_account_usage.yml. "
            "Without SFDC_* credentials: written to export_outbox.salesforce_account_usage."
        ),
    )
    def salesforce_account_usage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, salesforce: SalesforceResource
    ):
        extra: dict = {}
        held = hold_events(context, warehouse, EXPORT_KEYS[0], SALESFORCE)
        if held:
            yield from held
            return
        with warehouse.connect() as wh:
            if salesforce.configured:
                destination = salesforce.destination(sleep=sleep)
                key_field = salesforce.external_id_field or mappings[SALESFORCE.name].key_field
                destination.external_id_field = key_field
                extra = {"object": salesforce.object_name, "external_id_field": key_field}
            else:
                destination = OutboxDestination(wh, SALESFORCE.name, outbox_dir)
                extra = destination.describe()
            result, checks = export(wh, SALESFORCE, destination, context, salesforce.external_id_field)
        session = getattr(destination, "session", None)
        if session is not None:
            extra.update({"http_requests": session.stats.requests, "http_retries": session.stats.retries,
                          "bulk_jobs": len(destination.jobs)})
        yield _materialize_result(context, result, extra, checks)

    @export_asset(
        1, GAINSIGHT, "gainsight",
        (
            "Upserts exports.sync_gainsight_subscription_usage into a Gainsight custom object keyed on "
            "primary_key (REST, 50 records per call, at most 100 calls per minute), only rows changed "
            "since the last successful sync; rows that left the sync table are deleted once. Fields: "
            "customer_usage/exports/mappings/gainsight_subscription_usage.yml. Without GAINSIGHT_* credentials: written to "
            "export_outbox.gainsight_subscription_usage."
        ),
    )
    def gainsight_subscription_usage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, gainsight: GainsightResource
    ):
        held = hold_events(context, warehouse, EXPORT_KEYS[1], GAINSIGHT)
        if held:
            yield from held
            return
        with warehouse.connect() as wh:
            if gainsight.configured:
                destination = gainsight.destination(sleep=sleep)
                extra = {"object": gainsight.object_name}
            else:
                destination = OutboxDestination(wh, GAINSIGHT.name, outbox_dir)
                extra = destination.describe()
            result, checks = export(wh, GAINSIGHT, destination, context)
        if gainsight.configured:
            stats = destination.session.stats
            extra.update({"api_calls": destination.calls, "http_requests": stats.requests,
                          "http_retries": stats.retries,
                          "rate_limit_wait_seconds": round(destination.session.limiter.waited_seconds, 1)})
        yield _materialize_result(context, result, extra, checks)

    return [salesforce_account_usage, gainsight_subscription_usage]
