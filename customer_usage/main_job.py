"""`customer-usage run`: the README's main command.

Exit codes: 0 everything built and every export sent (or written to the outbox);
1 a step failed; 2 a setting or the landing data cannot be used (e.g. a month
with data before CUSTOMER_USAGE_PARTITIONS_START); 3 everything built but an
export was held back by a key-coverage check (`exports/holds.py`).

Generates the demo extracts when no landing folder is given, materializes every
asset (sources, checks, dbt models, the monthly mart for every month, exports)
into the local DuckDB file in one Dagster run recorded in DAGSTER_HOME, so
`dagster dev` afterwards shows the same history, and prints where to look.
"""

from __future__ import annotations

import os
import sys
import time

import dagster as dg

from customer_usage.settings import DEFAULT_LANDING_DIR, Settings

DEMO_SEED = 1
WRITER_TAGS = {"customer_usage/warehouse": "duckdb"}


def ensure_landing(settings: Settings) -> None:
    """Generate the demo extracts when the landing folder is the default and empty."""
    landing = settings.landing_dir
    if any(landing.glob("*/*.parquet")) or any(landing.glob("*/*.csv")):
        return
    if landing != DEFAULT_LANDING_DIR.resolve():
        raise SystemExit(f"CUSTOMER_USAGE_LANDING_DIR={landing} holds no <system>/<table>.parquet|csv files")
    from customer_usage.cli import main as cli_main

    print(f"No extracts in {landing}: generating the demo data set (seed {DEMO_SEED}) ...")
    cli_main(["generate", "--scale", "demo", "--seed", str(DEMO_SEED), "--out", str(landing)])


def partition_range(defs: dg.Definitions, settings: Settings) -> tuple[str, str] | None:
    """First and last monthly partition to build: the first month with data .. the AS_OF month."""
    from customer_usage.history import data_months, months_to_build

    graph = defs.resolve_asset_graph()
    partitions_defs = {graph.get(k).partitions_def for k in graph.materializable_asset_keys}
    partitions_defs.discard(None)
    if not partitions_defs:
        return None
    (partitions_def,) = partitions_defs
    return months_to_build(settings, partitions_def, data_months(settings))


def materialize_everything(settings: Settings, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    from customer_usage.definitions import build_definitions

    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    tags = dict(WRITER_TAGS)
    window = partition_range(defs, settings)
    if window:
        tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"] = window
    return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)


def summarize(settings: Settings, result: dg.ExecuteInProcessResult, seconds: float) -> None:
    import duckdb

    print()
    print(f"Run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {seconds:.0f} s")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "where schema_name in ('marts', 'quarantine', 'export_outbox') order by 1, 2"
        ).fetchall()
    for schema, table, size in rows:
        print(f"  {schema}.{table:<48} {size:>10,} rows")
    print()
    print(f"Warehouse (DuckDB): {settings.duckdb_path}")
    print(
        f"  query it:         .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.duckdb_path}', "
        "read_only=True).sql('select * from marts.mart_product_usage_paid_user_metrics_monthly limit 10'))\""
    )
    print(f"Outbox (exports):   {settings.duckdb_path.parent / 'outbox'}")
    print(f"Extracts:           {settings.landing_dir}")
    print(f"Dagster history:    DAGSTER_HOME={os.environ.get('DAGSTER_HOME', '(ephemeral)')}")
    print("Open the UI:        make dev   (then http://127.0.0.1:3000, Assets → Global asset lineage)")


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    if settings.is_local:
        ensure_landing(settings)
    started = time.monotonic()
    with dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral() as instance:
        result = materialize_everything(settings, instance)
    if settings.is_local:
        summarize(settings, result, time.monotonic() - started)

    # Exports held back by a broken join (issue #11): one paragraph; exit 3 if nothing else failed.
    from customer_usage.exports.holds import report_run

    held_exit_code = report_run(result)

    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        print(f"Failed steps: {', '.join(failed)} (details: make dev, Runs → {result.run_id})", file=sys.stderr)
        return 1
    return held_exit_code


if __name__ == "__main__":
    raise SystemExit(main())
