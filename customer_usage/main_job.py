"""`customer-usage run`: the README's main command.

Exit codes: 0 everything built and every export sent (or written to the outbox);
1 a step failed; 2 a setting or the landing data cannot be used (e.g. a month
with data before CUSTOMER_USAGE_PARTITIONS_START); 3 everything built but an
export was held back by a key-coverage check (`exports/holds.py`).

Generates the demo extracts when no landing folder is given, materializes every
asset (sources, checks, dbt models, the monthly mart for every month, exports)
into the local DuckDB file in one Dagster run recorded in DAGSTER_HOME, so
`dagster dev` afterwards shows the same history, and prints a summary a person
reads (`run_report`): progress per phase, quarantine, grouped warnings, and on
failure the reasons again at the end with what to do. The full output goes to
`<warehouse folder>/logs/run-<time>.log`; `-v` streams the events instead.

One run per warehouse at a time (`run_lock`): a second run waits, saying who
holds the warehouse. A run killed earlier is marked failed and its dbt scratch
removed at the start of the next (`run_recovery`).

What a run writes, all under folders the user named: the warehouse file and,
beside it, `<warehouse>.lock`, `logs/` and `outbox/` (exports without
credentials); the Dagster history in DAGSTER_HOME; the demo extracts (and their
ground truth, in the hidden `.ground_truth` folder inside) in the default
landing folder only.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

import dagster as dg

from customer_usage.environment import environment
from customer_usage.run_console import Console, Progress, silence_beta_warnings
from customer_usage.run_lock import exclusive, lock_path_for
from customer_usage.run_recovery import clean_scratch, mark_orphaned_runs, run_tags
from customer_usage.exports.holds import held_exports_notices
from customer_usage.run_report import Notice, RunSummary, phase_of_step, render, summarize_run
from customer_usage.settings import DBT_PROJECT_DIR, DEFAULT_LANDING_DIR, Settings
from customer_usage.sources.landing import list_extract_files
from customer_usage.warehouse import WRITER_TAGS

DEMO_SEED = 1
MART = "marts.mart_product_usage_paid_user_metrics_monthly"
# Paragraphs other areas add to the summary: f(settings, instance, run_id) -> [Notice].
NOTICE_PROVIDERS: list[Callable[[Settings, dg.DagsterInstance, str], list[Notice]]] = [held_exports_notices]
# One ASSET_MATERIALIZATION_PLANNED event per asset for the whole month range instead of one
# per asset and month: Dagster's SQLite event log writes each event in a connection and a
# transaction of its own, so years of history (e.g. 92 months × the monthly assets and
# checks) cost minutes before the first step starts. Dagster's documented trade-off: when
# such a run fails, its months show as missing rather than failed in the UI; the run shows
# the failure, and this command reports it. A value the user set is kept.
PLANNED_EVENTS_AS_RANGE = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def ensure_landing(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Generate the demo extracts when the landing folder is the default and empty."""
    landing = settings.landing_dir
    if list_extract_files(landing):
        return
    if landing != DEFAULT_LANDING_DIR.resolve():
        raise SystemExit(f"CUSTOMER_USAGE_LANDING_DIR={landing} holds no <system>/<table>.parquet|csv files")
    from customer_usage_sim.core import generate

    say(f"No extracts in {landing}: generating the demo data set (seed {DEMO_SEED}, with a few rows "
        "the loader must quarantine) ...")
    result = generate(landing, scale="demo", seed=DEMO_SEED, rejectable_rows=True)
    say(f"  wrote {sum(result.row_counts.values()):,} rows in {len(result.row_counts)} tables "
        f"in {result.seconds:.0f} s")


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


def materialize_everything(settings: Settings, instance: dg.DagsterInstance, defs: dg.Definitions | None = None,
                           run_id: str | None = None) -> dg.ExecuteInProcessResult:
    if defs is None:
        from customer_usage.definitions import build_definitions

        defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    tags = {**WRITER_TAGS, **run_tags()}
    window = partition_range(defs, settings)
    if window:
        tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"] = window
    planned = {PLANNED_EVENTS_AS_RANGE: os.environ.get(PLANNED_EVENTS_AS_RANGE, "1")}
    with environment(planned):
        return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, run_id=run_id)


def existing_marts(settings: Settings) -> list[tuple[str, int]]:
    if not settings.duckdb_path.exists():
        return []
    from customer_usage.warehouse import connect_duckdb_for

    with connect_duckdb_for(settings, read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() "
            "where schema_name = 'marts' and (table_name like 'mart_%' or table_name like 'rpt_%') order by 1"
        ).fetchall()
    return [(name, int(size)) for name, size in rows]


def where_to_look(settings: Settings, marts: list[tuple[str, int]], log_path: Path | None) -> list[str]:
    lines = [f"Warehouse (DuckDB): {settings.duckdb_path}"]
    if any(name == MART for name, _ in marts):
        lines.append(
            f"  query it:         .venv/bin/python -c \"import duckdb; print(duckdb.connect('{settings.duckdb_path}', "
            f"read_only=True).sql('select * from {MART} limit 10'))\""
        )
    lines.append(f"Outbox (exports):   {settings.duckdb_path.parent / 'outbox'}")
    lines.append(f"Extracts:           {settings.landing_dir}")
    lines.append(f"Dagster history:    DAGSTER_HOME={os.environ.get('DAGSTER_HOME', '(ephemeral)')}")
    if log_path is not None:
        lines.append(f"Full log:           {log_path}")
    lines.append("Open the UI:        make dev   (then http://127.0.0.1:3000, Assets → Global asset lineage)")
    return lines


def log_path_for(settings: Settings) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return settings.duckdb_path.parent / "logs" / f"run-{stamp}-{os.getpid()}.log"


def _open_instance(console: Console) -> dg.DagsterInstance:
    """The DAGSTER_HOME instance, its SQLite storage set up under a lock (first-use race)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    with exclusive(Path(home) / ".customer_usage_instance.lock", "Dagster instance setup", say=console.say):
        instance = dg.DagsterInstance.get()
        instance.get_run_records(limit=1)  # creates and migrates the run and event storage now
        for run_id in mark_orphaned_runs(instance):
            console.say(f"Run {run_id[:8]} was killed earlier (its process is gone): marked failed in the history")
    return instance


def run(settings: Settings, console: Console) -> RunSummary:
    if settings.is_local:
        ensure_landing(settings, console.say)
    from customer_usage.definitions import build_definitions

    started = time.monotonic()
    with _open_instance(console) as instance:
        for folder in clean_scratch(DBT_PROJECT_DIR / "target" / "runs", instance):
            console.say(f"Removed the dbt scratch folder of an earlier run: {folder.name}")
        defs = build_definitions(settings)
        run_id = str(uuid.uuid4())
        console.say(f"{console.elapsed()} run {run_id[:8]} started: load → validate → model → export"
                    + ("" if console.verbose else f"   (full log: {console.log_path})"))
        with console.captured(), Progress(console, instance, run_id, phase_of_step):
            result = materialize_everything(settings, instance, defs, run_id)
        summary = summarize_run(instance, result.run_id, defs.resolve_asset_graph(),
                                time.monotonic() - started, result.success)
        for provider in NOTICE_PROVIDERS:
            summary.notices.extend(provider(settings, instance, result.run_id))
    if console.python_warnings:
        summary.warnings.update(console.python_warnings)
    return summary


def main(argv: list[str] | None = None, verbose: bool = False) -> int:
    settings = Settings.from_env()
    silence_beta_warnings()
    console = Console(None if verbose else log_path_for(settings), verbose)
    if not settings.is_local:
        summary = run(settings, console)
        console.say("\n".join(render(summary, [], [])))
        return summary.exit_code
    with exclusive(lock_path_for(settings.duckdb_path), f"customer-usage run on {settings.duckdb_path.name}",
                   say=console.say):
        summary = run(settings, console)
    marts = existing_marts(settings)
    for line in render(summary, marts, where_to_look(settings, marts, console.log_path)):
        console.say(line)
    return summary.exit_code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], verbose="-v" in sys.argv[1:]))
