"""dbt models as Dagster assets.

Two groups: most models build unpartitioned; models tagged `monthly` (ping-derived
facts and the monthly mart) are partitioned by month and built incrementally for
the partition window passed as dbt vars. Both report row counts and column
lineage, and their dbt tests become asset checks.
"""


import json
import os

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from customer_usage.dbt.project import dbt_executable
from customer_usage.dbt.translator import CustomerUsageTranslator
from customer_usage.partitions import monthly_partitions
from customer_usage.settings import Settings

MONTHLY_TAG = "monthly"
WAREHOUSE_POOL = "warehouse_writer"


def _has_tag(manifest_path, tag: str) -> bool:
    manifest = json.loads(manifest_path.read_text())
    return any(
        tag in node.get("tags", []) for node in manifest["nodes"].values() if node["resource_type"] == "model"
    )


def _stream(invocation: dg.AssetExecutionContext, dbt: DbtCliResource, args: list[str]):
    """Stream events with row counts and column schema/lineage attached to each model."""
    # A subset run (automation, the UI) selects models; dbt's default "eager" indirect
    # selection would add every test touching them, including relationships tests of
    # models outside the run that may not exist yet. "buildable": only tests whose
    # other models are in the run or upstream of it. dagster-dbt reads this variable.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    try:
        yield from dbt.cli(args, context=invocation).stream().fetch_row_counts().fetch_column_metadata()
    finally:
        _release_dbt_duckdb()


def _release_dbt_duckdb() -> None:
    """Close the DuckDB file that row-count/column metadata opened in this process.

    dbt-duckdb caches its connection for the life of the process, with its own
    settings; any later step of the same (in-process) run that opens the file
    (loaders, checks, exports, the next dbt step) then fails with "Can't open a
    connection to same database file with a different configuration".
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if env is not None:
        env.close()


def dbt_cli_resource(project: DbtProject, settings: Settings) -> DbtCliResource:
    return DbtCliResource(project_dir=project, target=settings.dbt_target, dbt_executable=dbt_executable())


def build_dbt_assets(project: DbtProject, settings: Settings) -> list[dg.AssetsDefinition]:
    translator = CustomerUsageTranslator()
    manifest = project.manifest_path
    has_monthly = _has_tag(manifest, MONTHLY_TAG)

    @dbt_assets(
        manifest=manifest,
        project=project,
        exclude=f"tag:{MONTHLY_TAG}" if has_monthly else "",
        dagster_dbt_translator=translator,
        name="customer_usage_dbt_models",
        pool=WAREHOUSE_POOL,
    )
    def customer_usage_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from _stream(context, dbt, ["build"])

    assets = [customer_usage_dbt_models]
    if has_monthly:

        @dbt_assets(
            manifest=manifest,
            project=project,
            select=f"tag:{MONTHLY_TAG}",
            dagster_dbt_translator=translator,
            name="customer_usage_dbt_monthly_models",
            partitions_def=monthly_partitions(settings),
            backfill_policy=dg.BackfillPolicy.single_run(),
            pool=WAREHOUSE_POOL,
        )
        def customer_usage_dbt_monthly_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
            if not (context.has_partition_key or context.has_partition_key_range):
                # Dagster cannot record these assets' checks outside a partition (it fails after
                # the build), so say so up front; main_job runs them as one partition range.
                raise dg.DagsterInvariantViolationError(
                    "the monthly dbt models (tag:monthly) need a partition or a partition range: "
                    "materialize them with --partition/--partition-range, a backfill, or "
                    "`customer-usage run`"
                )
            window = context.partition_time_window
            dbt_vars = {
                "partition_start": window.start.strftime("%Y-%m-%d"),
                "partition_end": window.end.strftime("%Y-%m-%d"),
            }
            yield from _stream(context, dbt, ["build", "--vars", json.dumps(dbt_vars)])

        assets.append(customer_usage_dbt_monthly_models)
    return assets
