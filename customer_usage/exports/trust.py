"""What the export assets show and guard beyond their counts.

- Lineage to the destination: the column schema of an export asset is the
  destination's fields (name, type) and its column lineage points each field at
  the sync model column it comes from, so the UI answers "where does this
  Salesforce field come from?" down to the source tables.
- Checks: `no_parked_rows` (ERROR while rows sit parked after failing
  `park_after` runs in a row, with their keys and errors) and
  `failure_rate_below_threshold` (ERROR when one run's failed share of attempted
  rows is above the limit). Both are blocking ERROR checks: the alert sensor of
  the production setup picks up blocking check failures; nothing here sends alerts.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from customer_usage.exports.mapping import ExportMapping
from customer_usage.exports.state import FAILED, STATE_SCHEMA
from customer_usage.exports.sync import ExportPolicy, ExportResult
from customer_usage.warehouse import Warehouse, quote_ident

PARKED_CHECK = "no_parked_rows"
FAILURE_RATE_CHECK = "failure_rate_below_threshold"
SAMPLE = 20


def column_schema(mapping: ExportMapping) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(f.field, f.type, description=f"from {mapping.source_model}.{f.column}"
                       + (" (upsert key)" if f.column == mapping.key_column else ""))
        for f in mapping.fields
    ])


def column_lineage(mapping: ExportMapping, sync_key: dg.AssetKey) -> dg.TableColumnLineage:
    return dg.TableColumnLineage(deps_by_column={
        f.field: [dg.TableColumnDep(asset_key=sync_key, column_name=f.column)] for f in mapping.fields
    })


def definition_metadata(mapping: ExportMapping, sync_key: dg.AssetKey) -> dict[str, Any]:
    return {
        "dagster/column_schema": column_schema(mapping),
        "dagster/column_lineage": column_lineage(mapping, sync_key),
        "field_mapping": dg.MetadataValue.path(str(mapping.path)),
        "on_removed": mapping.on_removed,
    }


def check_specs(asset_key: dg.AssetKey, policy: ExportPolicy) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(PARKED_CHECK, asset=asset_key, blocking=True, description=(
            f"ERROR while rows are parked: they failed {policy.park_after_failures} runs in a row with the "
            "same content and are not retried until it changes. Lists the keys and errors.")),
        dg.AssetCheckSpec(FAILURE_RATE_CHECK, asset=asset_key, blocking=True, description=(
            f"ERROR when more than {policy.max_failure_rate:.0%} of the rows a run attempted failed.")),
    ]


def parked_rows(warehouse: Warehouse, export: str, park_after: int) -> dict[str, str]:
    """Keys parked now (failed `park_after` runs in a row) with their last error."""
    if not warehouse.table_exists(STATE_SCHEMA, export):
        return {}
    rows = warehouse.fetch_all(
        f"select sync_key, error from {STATE_SCHEMA}.{quote_ident(export)} "
        f"where status = '{FAILED}' and attempts >= {int(park_after)} order by sync_key"
    )
    return {str(k): str(e) for k, e in rows}


def held_check_results(asset_key: dg.AssetKey, parked: dict[str, str], policy: ExportPolicy,
                       reason: str) -> list[dg.AssetCheckResult]:
    """The checks of an export that was held back (nothing sent): parked rows still count,
    the failure rate has no attempt to measure."""
    return [
        dg.AssetCheckResult(
            asset_key=asset_key, check_name=PARKED_CHECK, passed=not parked, severity=dg.AssetCheckSeverity.ERROR,
            description=(f"{len(parked)} row(s) parked" if parked else "no parked rows") + f"; {reason}",
            metadata={"parked_rows": len(parked),
                      "parked_keys_and_errors": dg.MetadataValue.json(dict(list(parked.items())[:SAMPLE]))},
        ),
        dg.AssetCheckResult(
            asset_key=asset_key, check_name=FAILURE_RATE_CHECK, passed=True, severity=dg.AssetCheckSeverity.ERROR,
            description=f"nothing attempted: {reason}", metadata={"failure_rate": 0.0, "failed": 0},
        ),
    ]


def check_results(asset_key: dg.AssetKey, result: ExportResult, parked: dict[str, str],
                  policy: ExportPolicy) -> list[dg.AssetCheckResult]:
    sample = dict(list(parked.items())[:SAMPLE])
    over = result.failure_rate > policy.max_failure_rate
    return [
        dg.AssetCheckResult(
            asset_key=asset_key, check_name=PARKED_CHECK, passed=not parked,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(f"{len(parked)} row(s) parked after {policy.park_after_failures} failed runs in a row"
                         if parked else "no parked rows"),
            metadata={"parked_rows": len(parked), "parked_keys_and_errors": dg.MetadataValue.json(sample)},
        ),
        dg.AssetCheckResult(
            asset_key=asset_key, check_name=FAILURE_RATE_CHECK, passed=not over,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(f"{result.failed} of {result.sent + result.failed} attempted rows failed "
                         f"({result.failure_rate:.1%}; limit {policy.max_failure_rate:.0%})"),
            metadata={"failure_rate": round(result.failure_rate, 4), "failed": result.failed,
                      "threshold": policy.max_failure_rate,
                      "failed_sample": dg.MetadataValue.json(dict(list(result.errors.items())[:SAMPLE]))},
        ),
    ]
