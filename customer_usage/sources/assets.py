"""One Dagster asset per contract table that loads its landing file into the warehouse.

Keys are `[<system>, <table>]`, the keys the dbt sources point at
(`meta.dagster.asset_key`), so dbt staging models hang under these assets. A
file-level problem fails the asset with a `dg.Failure` whose description names
the file, table and column, so the UI shows the cause, not only a stack trace.
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from customer_usage.sources.contract import TableSpec
from customer_usage.sources.landing import SourceFileError, unknown_files
from customer_usage.sources.loader import load_table
from customer_usage.warehouse import WAREHOUSE_POOL, WarehouseResource

# Extracts arrive daily: a source older than a day warns, older than two days fails.
FRESHNESS_WARN = dt.timedelta(hours=26)
FRESHNESS_FAIL = dt.timedelta(hours=50)

_TYPE_LABELS = {"json": "json (text)"}


def freshness_policy() -> dg.FreshnessPolicy:
    return dg.FreshnessPolicy.time_window(fail_window=FRESHNESS_FAIL, warn_window=FRESHNESS_WARN)


def column_schema(spec: TableSpec) -> dg.TableSchema:
    """The contract as the asset's column schema in the UI (types, nullability, rules)."""
    columns = []
    for c in spec.columns:
        other = []
        if c.accepted is not None:
            other.append("one of " + ", ".join(str(v) for v in c.accepted))
        if c.min is not None:
            other.append(f">= {c.min}")
        if c.json_object:
            other.append("a JSON object")
        if c.name in spec.pii:
            other.append("PII: never leaves the warehouse")
        columns.append(
            dg.TableColumn(
                name=c.name,
                type=_TYPE_LABELS.get(c.type, c.type),
                description="primary key" if c.name in spec.primary_key else None,
                constraints=dg.TableColumnConstraints(
                    nullable=not c.required,
                    unique=spec.primary_key == (c.name,),
                    other=other,
                ),
            )
        )
    return dg.TableSchema(columns=columns)


def describe(spec: TableSpec) -> str:
    key = ", ".join(spec.primary_key) or "none (duplicates kept)"
    return (
        f"{spec.description}\n\nRaw `{spec.raw_schema}.{spec.table}` per the source contract "
        f"(data-contract §2; primary key: {key}). Rejected rows: "
        f"`quarantine.{spec.quarantine_table}` with `_rejection_reason`."
    ).strip()


def relevant_unknown_files(landing_dir: Path, system: str) -> list[str]:
    """Unknown files in this system's folder or outside every system folder."""
    from customer_usage.sources.contract import SYSTEMS

    return [
        f for f in unknown_files(landing_dir)
        if f.startswith(f"{system}/") or f.split("/")[0] not in SYSTEMS
    ]


def build_load_asset(spec: TableSpec, landing_dir: Path, kind: str) -> dg.AssetsDefinition:
    landing_dir = Path(landing_dir)

    @dg.asset(
        key=spec.asset_key,
        group_name=spec.system,
        kinds={kind},
        pool=WAREHOUSE_POOL,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=describe(spec),
        metadata={
            "dagster/column_schema": column_schema(spec),
            "dagster/table_name": f"{spec.raw_schema}.{spec.table}",
            "landing_files": f"{landing_dir / spec.system / spec.table}.csv|parquet",
        },
        freshness_policy=freshness_policy(),
    )
    def _load(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        unknown = relevant_unknown_files(landing_dir, spec.system)
        if unknown:
            context.log.warning(f"unknown files in {landing_dir}, not loaded: {', '.join(unknown)}")
        try:
            with warehouse.connect() as wh:
                result = load_table(wh, spec, landing_dir)
        except SourceFileError as exc:
            raise dg.Failure(
                description=str(exc),
                metadata={"table": f"{spec.system}.{spec.table}", "unknown_files": unknown},
                allow_retries=False,
            ) from None
        for warning in result.warnings:
            context.log.warning(warning)
        if result.rows_quarantined:
            context.log.warning(
                f"{spec.system}.{spec.table} from {result.source_file}: {result.rows_quarantined} of "
                f"{result.rows_read} rows quarantined in quarantine.{spec.quarantine_table}: "
                + "; ".join(f"{rule} ({n})" for rule, n in result.rejections_by_rule.items())
            )
        return dg.MaterializeResult(metadata={**result.metadata(), "unknown_files": unknown})

    return _load
