"""dbt models as Dagster assets.

Two groups: most models build unpartitioned; models tagged `monthly` (ping-derived
facts and the monthly mart) are partitioned by month and built incrementally for
the partition window passed as environment variables. Both report row counts and
column schemas (table_metadata.py), and their dbt tests become asset checks.
"""


import json
import os
import shutil
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from customer_usage.compat import dbt_cli_without_adapter, release_dbt_duckdb_connection
from customer_usage.dbt.project import dbt_executable
from customer_usage.dbt.translator import CustomerUsageTranslator
from customer_usage.partitions import monthly_partitions
from customer_usage.environment import environment
from customer_usage.dbt.charts import attach_charts, report_charts
from customer_usage.dbt.step_report import read_step
from customer_usage.dbt.table_metadata import with_table_metadata
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.warehouse import WAREHOUSE_POOL, WarehouseResource

MONTHLY_TAG = "monthly"
EXPORT_TAG = "export"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def _has_tag(manifest_path, tag: str) -> bool:
    manifest = json.loads(manifest_path.read_text())
    return any(
        tag in node.get("tags", []) for node in manifest["nodes"].values() if node["resource_type"] == "model"
    )


def _stream(
    invocation: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    args: list[str],
    extra_env: dict[str, str] | None = None,
):
    """Stream dbt's events, each model's with its row count and column schema
    (customer_usage/dbt/table_metadata.py: two queries once dbt has finished).

    `extra_env` reaches only this dbt process (dagster-dbt copies os.environ when it
    starts dbt, so the variables are set just around that call).
    """
    # A subset run (automation, the UI, or a run that mixes monthly and unpartitioned
    # models) selects models; dbt's default "eager" indirect selection would add every
    # test touching them, including relationships tests of models outside the step
    # (which may not exist yet). "buildable": a test runs in the step that builds the
    # last of its models. dagster-dbt reads the variable when dbt.cli() starts dbt.
    dbt_env = {
        "DBT_INDIRECT_SELECTION": os.environ.get("DBT_INDIRECT_SELECTION", "buildable"),
        **duckdb_limits_env(warehouse),
        **(extra_env or {}),
    }
    target_path = _target_path_with_parse_state(invocation)
    try:
        with environment(dbt_env):
            invocation_handle = dbt.cli(args, context=invocation, target_path=target_path)
        events = with_table_metadata(
            invocation_handle.stream(), invocation_handle.manifest, warehouse.connect, before_read=_release_dbt_duckdb
        )
        yield from attach_charts(events, charts=report_charts(warehouse.connect), before_read=_release_dbt_duckdb)
    finally:
        _release_dbt_duckdb()
        report = read_step(target_path)
        if report is not None:
            invocation.log.info(report.line())
        _keep_parse_state(target_path)


def duckdb_limits_env(warehouse: WarehouseResource) -> dict[str, str]:
    """The memory limit and spill folder of the run's warehouse, for dbt's DuckDB (profiles.yml
    reads them as `config_options`).

    dagster-dbt starts dbt with this process's environment, where Settings' values are not
    variables: without these, every dbt step ran with the profile's fallback (3GB) and a
    `large` run's monthly step alone held 3.2 GB. The same values as `project.dbt_env`, so
    the profile, and with it dbt's partial parse, match the manifest prepared for the run.
    """
    if warehouse.target == "prod":
        return {}
    return {
        "CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT": warehouse.duckdb_memory_limit,
        "CUSTOMER_USAGE_DUCKDB_TEMP_DIR": warehouse.duckdb_temp_dir or f"{warehouse.duckdb_path}.tmp",
    }


def _target_path_with_parse_state(context: dg.AssetExecutionContext) -> Path:
    """A fresh dbt target folder per step, seeded with the last partial-parse state.

    dagster-dbt gives every invocation its own target folder, so dbt would re-parse
    the whole project (8-18 s) in every step; seeding the folder with
    `partial_parse.msgpack` lets dbt re-parse only what changed.
    """
    step = f"{context.run.run_id[:8]}-{context.op_execution_context.op.name}"
    target_path = DBT_PROJECT_DIR / "target" / "runs" / step
    target_path.mkdir(parents=True, exist_ok=True)
    shared = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE_FILE
    if shared.exists():
        shutil.copy2(shared, target_path / PARTIAL_PARSE_FILE)
    return target_path


def _keep_parse_state(target_path: Path) -> None:
    """Hand this step's parse state to the next step; drop the step's folder."""
    produced = target_path / PARTIAL_PARSE_FILE
    if produced.exists():
        # copied aside, then renamed: a dbt process starting meanwhile (a parallel run or
        # test) reads the old state or the new one, never half a file
        shared = DBT_PROJECT_DIR / "target" / PARTIAL_PARSE_FILE
        staged = shared.with_name(f"{PARTIAL_PARSE_FILE}.{os.getpid()}.{target_path.name}")
        shutil.copy2(produced, staged)
        os.replace(staged, shared)
    shutil.rmtree(target_path, ignore_errors=True)


def _release_dbt_duckdb() -> None:
    """Close the DuckDB file that row-count/column metadata opened in this process.

    dbt-duckdb caches its connection for the life of the process, with its own
    settings; any later step of the same (in-process) run that opens the file
    (loaders, checks, exports, the next dbt step) then fails with "Can't open a
    connection to same database file with a different configuration".
    """
    release_dbt_duckdb_connection()


def dbt_cli_resource(project: DbtProject, settings: Settings) -> DbtCliResource:
    """dbt as a subprocess only (see `compat.dbt_cli_without_adapter`): nothing of dbt is
    loaded in this process, the metadata comes from the warehouse connection."""
    return dbt_cli_without_adapter(project_dir=project, target=settings.dbt_target, dbt_executable=dbt_executable())


def build_dbt_assets(project: DbtProject, settings: Settings) -> list[dg.AssetsDefinition]:
    """Three dbt ops: the model, the monthly models, the export models.

    Keeping the export models (downstream of the monthly mart) out of the first op
    lets a full run execute each op once; otherwise Dagster splits the first op
    around the monthly one and dbt starts (and parses) once per piece.

    Three dbt processes is the least this partitioning allows: one op has one
    partitions definition, so unpartitioned models upstream of the monthly ones and
    unpartitioned export models downstream of them need an op each (making the
    `sync_*` models monthly would show whole-table snapshots as months and give the
    export sensor partitions to pick). Each process partial-parses: dagster-dbt's
    adapter start-up is skipped (compat.dbt_cli_without_adapter), the parse state
    passes from step to step, and the partition window reaches dbt as environment
    variables, which re-parse only the models using them (each step logs its parse,
    customer_usage/dbt/step_report.py).
    """
    translator = CustomerUsageTranslator()
    manifest = project.manifest_path
    has_monthly = _has_tag(manifest, MONTHLY_TAG)
    has_export = _has_tag(manifest, EXPORT_TAG)
    common = dict(
        manifest=manifest,
        project=project,
        dagster_dbt_translator=translator,
        pool=WAREHOUSE_POOL,
        # single-run everywhere: one run builds a range of months together with the
        # unpartitioned models (customer-usage run, `dagster asset materialize
        # --select '*' --partition-range A...B`)
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    separate = [f"tag:{tag}" for tag, present in ((MONTHLY_TAG, has_monthly), (EXPORT_TAG, has_export)) if present]

    @dbt_assets(name="customer_usage_dbt_models", exclude=" ".join(separate), **common)
    def customer_usage_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        yield from _stream(context, dbt, warehouse, ["build"])

    assets = [customer_usage_dbt_models]
    if has_monthly:

        @dbt_assets(
            name="customer_usage_dbt_monthly_models",
            select=f"tag:{MONTHLY_TAG}",
            partitions_def=monthly_partitions(settings),
            **common,
        )
        def customer_usage_dbt_monthly_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
            if not (context.has_partition_key or context.has_partition_key_range):
                # Dagster cannot record these assets' checks outside a partition (it fails after
                # the build), so say so up front; main_job runs them as one partition range.
                raise dg.DagsterInvariantViolationError(
                    "the monthly dbt models (tag:monthly) need a partition or a partition range: "
                    "materialize them with --partition/--partition-range, a backfill, or "
                    "`customer-usage run`"
                )
            window = context.partition_time_window
            partition_env = {
                "CUSTOMER_USAGE_PARTITION_START": window.start.strftime("%Y-%m-%d"),
                "CUSTOMER_USAGE_PARTITION_END": window.end.strftime("%Y-%m-%d"),
            }
            yield from _stream(context, dbt, warehouse, ["build"], extra_env=partition_env)

        assets.append(customer_usage_dbt_monthly_models)
    if has_export:

        @dbt_assets(name="customer_usage_dbt_export_models", select=f"tag:{EXPORT_TAG}", **common)
        def customer_usage_dbt_export_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
            yield from _stream(context, dbt, warehouse, ["build"])

        assets.append(customer_usage_dbt_export_models)
    return assets
