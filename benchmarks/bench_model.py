"""What the usage model costs: payload extraction, incremental months, memory.

Side by side in one run, on one generated landing folder loaded into one
DuckDB file:

* `extract_wave_s` vs `bare_parse_s`: the catalog's metric extraction as dbt
  compiled it for `int_ping_metrics` (each payload parsed once) against one bare
  JSON parse of every payload (`json_valid`, the cheapest full parse); goal
  ratio <= 1.5x (issue 18). `per_metric_extract_s` (one json_extract call per metric, the
  approach the design avoids) is printed for context, as
  `per_metric_vs_parse_once`.
* `full_refresh_models_s` vs `incremental_month_models_s`: the monthly models
  (`tag:monthly`) built for every month (`--full-refresh`) against rebuilding
  only the latest month as a Dagster partition run does (window in CUSTOMER_USAGE_PARTITION_START/_END); the
  time of the models themselves from dbt's run_results.json, so dbt's start-up
  and parsing (printed as `*_wall_s`) do not blur the ratio; goal <= 0.10.
* `raw_models_before_s` vs `raw_models_after_s`: every model's compiled SQL run by
  DuckDB alone (no dbt), the project before issue 18's SQL rewrite (a git worktree of
  `model_sql.BEFORE_COMMIT`) against this one, on copies of the same raw tables;
  goal after <= 30 s at `medium` (issue 18: 63 s before), the ten slowest models of
  each printed as `before_model_NN_s` / `after_model_NN_s`. The two projects take
  turns model by model; `raw_models_*_cpu_s` give the CPU seconds of the same
  statements, which a busy shared machine inflates far less than wall seconds.
* `full_refresh_peak_rss_mib`: peak memory of the dbt process building the
  whole project from the raw tables (`dbt run --full-refresh`, DuckDB inside);
  goal <= 4 GiB at `large`.

Run: `.venv/bin/python -m benchmarks.bench_model --scale demo [--keep DIR] [--before CHECKOUT]`;
`CUSTOMER_USAGE_BENCH_LANDING_DIR=<folder>` benchmarks existing extracts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks import model_sql
from customer_usage.catalog.catalog import extracted_metrics
from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.warehouse import connect_duckdb

BENCHMARK = "model"
GOALS = {"extract_vs_bare_parse": 1.5, "incremental_vs_full_refresh": 0.10, "full_refresh_peak_rss_mib": 4096,
         "raw_models_after_s": 30.0}
TOP_MODELS = 10
LANDING_ENV = "CUSTOMER_USAGE_BENCH_LANDING_DIR"
REPEATS = 3
MONTHLY = {"int_ping_metrics": "intermediate", "fct_ping": "marts", "fct_ping_metric": "marts",
           "int_ping_latest": "intermediate", "int_namespace_metrics": "intermediate",
           "mart_product_usage_paid_user_metrics_monthly": "marts"}

# Runs a command and prints the peak RSS (KiB) of it and its children: run in a
# fresh interpreter so no earlier child of the benchmark counts.
_PEAK_RSS = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
    "sys.exit(code)"
)


class BenchmarkError(RuntimeError):
    """A stage of the benchmark failed; the message names it and shows its output."""


def _row(measure: str, value, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


def _landing(scale: str, work: Path) -> Path:
    given = Settings.from_env().bench_landing_dir
    if given:
        return Path(given)
    from customer_usage_sim.core import generate

    return generate(work / "landing", scale=scale, seed=1).landing_dir


def _load(landing: Path, db: Path) -> int:
    from customer_usage.sources.contract import load_contract
    from customer_usage.sources.loader import load_into_duckdb
    from customer_usage.warehouse import DuckDBWarehouse

    with connect_duckdb(db) as con:
        wh = DuckDBWarehouse(con)
        for spec in load_contract():
            load_into_duckdb(wh, spec, landing)
        return con.execute("select count(*) from raw_version_db.usage_data").fetchone()[0]


class Dbt:
    """dbt CLI calls on the benchmark's warehouse, with a private target folder."""

    def __init__(self, work: Path, db: Path, as_of: str):
        self.target = work / "dbt_target"
        settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(db)})
        self.env = {**dbt_env(settings), "CUSTOMER_USAGE_AS_OF": as_of}
        self.logs = work / "dbt_logs"

    def run(self, *args: str, measure_memory: bool = False,
            extra_env: dict[str, str] | None = None) -> tuple[float, dict[str, float], int | None]:
        """Wall seconds, execution seconds per model (run_results.json), peak RSS KiB."""
        command = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                   str(DBT_PROJECT_DIR), "--target-path", str(self.target), "--log-path", str(self.logs)]
        if measure_memory:
            command = [sys.executable, "-c", _PEAK_RSS, *command]
        started = time.perf_counter()
        result = subprocess.run(command, env={**self.env, **(extra_env or {})}, cwd=DBT_PROJECT_DIR,
                                capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise BenchmarkError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
        peak = None
        for line in result.stdout.splitlines():
            if line.startswith("peak_rss_kib"):
                peak = int(line.split()[1])
        results = json.loads((self.target / "run_results.json").read_text())["results"]
        per_model = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
        return wall, per_model, peak

    def compiled(self, model: str, folder: str) -> str:
        return (self.target / "compiled" / "customer_usage" / "models" / folder / f"{model}.sql").read_text()

    def views(self) -> set[str]:
        """The models dbt builds as views (from the last run's manifest)."""
        nodes = json.loads((self.target / "manifest.json").read_text())["nodes"].values()
        return {n["name"] for n in nodes if n["resource_type"] == "model" and n["config"].get("materialized") == "view"}


def _best_of(con: duckdb.DuckDBPyConnection, select_sql: str) -> float:
    """Best of REPEATS, materializing the result (a count(*) over the query would let
    DuckDB prune the unused columns and skip the work being measured)."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        con.execute(f"create or replace temp table _bench_result as {select_sql}")
        times.append(time.perf_counter() - started)
    con.execute("drop table if exists _bench_result")
    return min(times)


def _extraction(db: Path, compiled_sql: str) -> dict[str, float]:
    """Bare parse vs the compiled extraction vs one JSON call per metric."""
    metrics = extracted_metrics()
    source = "staging.stg_version_db__usage_data"
    per_metric = ", ".join(f"json_extract_string(payload, '$.{m.key_path}') as {m.column}" for m in metrics)
    with connect_duckdb(db) as con:
        con.execute("set threads to 1")  # one core each: a steadier ratio on a busy machine
        return {
            "bare_parse_s": _best_of(con, f"select dim_ping_id, json_valid(payload) as ok from {source}"),
            "extract_wave_s": _best_of(con, compiled_sql),
            "per_metric_extract_s": _best_of(con, f"select dim_ping_id, {per_metric} from {source}"),
        }


def _sql_only(db: Path, full_sql: dict[str, str], window_sql: dict[str, str]) -> tuple[float, float]:
    """The monthly models' compiled SELECTs timed in DuckDB without dbt's per-model
    bookkeeping (temp relations, metadata queries, transactions)."""
    with connect_duckdb(db) as con:
        full = sum(_best_of(con, sql) for sql in full_sql.values())
        window = sum(_best_of(con, sql) for sql in window_sql.values())
    return full, window


def _sql_before_after(db: Path, work: Path, as_of: str, before: str | None) -> list[dict]:
    """The whole project's SQL in DuckDB, before the rewrite and now, side by side."""
    old, new = model_sql.before_and_after(db, work, as_of, before)
    rows = [
        _row("raw_models_before_s", round(old.total, 2), "s",
             note=f"{len(old.per_model)} models, {before or model_sql.BEFORE_COMMIT} (before issue 18's rewrite)"),
        _row("raw_models_after_s", round(new.total, 2), "s", goal=GOALS["raw_models_after_s"],
             note=f"{len(new.per_model)} models, this checkout; goal on medium"),
        _row("raw_models_after_vs_before", round(new.total / old.total, 3), "x",
             note="the SQL itself, DuckDB alone, same raw tables, same run"),
        _row("raw_models_before_cpu_s", round(old.cpu_total, 2), "s", note="CPU seconds of the same statements"),
        _row("raw_models_after_cpu_s", round(new.cpu_total, 2), "s", note="CPU seconds of the same statements"),
        _row("raw_models_after_vs_before_cpu", round(new.cpu_total / old.cpu_total, 3), "x",
             note="context: CPU seconds, which a busy machine's waiting does not inflate"),
    ]
    for times in (old, new):
        rows += [_row(f"{times.label}_model_{i + 1:02d}_s", round(s, 3), "s",
                      note=f"{name} (cpu {times.cpu_per_model[name]:.2f} s)")
                 for i, (name, s) in enumerate(times.top(TOP_MODELS))]
    return rows


def run(scale: str, keep: Path | None = None, before: str | None = None) -> list[dict]:
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench_model_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        landing = _landing(scale, work)
        generate_s = time.perf_counter() - started
        db = work / "warehouse.duckdb"
        db.unlink(missing_ok=True)
        pings = _load(landing, db)
        with connect_duckdb(db, read_only=True) as con:
            last_ping = con.execute("select max(recorded_at) from raw_version_db.usage_data").fetchone()[0]
        as_of = last_ping.date().isoformat()
        month_start = last_ping.date().replace(day=1)
        month_end = (month_start.replace(day=28) + __import__("datetime").timedelta(days=4)).replace(day=1)
        sql_rows = _sql_before_after(db, work, as_of, before)  # while db holds only the raw tables
        dbt = Dbt(work, db, as_of)

        full_wall, full_models, peak_kib = dbt.run("run", "--full-refresh", measure_memory=True)
        extraction_sql = dbt.compiled("int_ping_metrics", "intermediate")
        # a view's SELECT runs when it is read, not when it is built: not data work of the build
        tables = {m: folder for m, folder in MONTHLY.items() if m not in dbt.views()}
        full_sql = {m: dbt.compiled(m, folder) for m, folder in tables.items()}
        window = {"CUSTOMER_USAGE_PARTITION_START": month_start.isoformat(),
                  "CUSTOMER_USAGE_PARTITION_END": month_end.isoformat()}
        # one thread for the two runs compared: summed model times stay honest on a busy machine
        inc_wall, inc_models, _ = dbt.run("run", "--select", "tag:monthly", "--threads", "1", extra_env=window)
        window_sql = {m: dbt.compiled(m, folder) for m, folder in tables.items()}
        inc_monthly_s = sum(inc_models.get(m, 0.0) for m in MONTHLY)
        # the same monthly models rebuilt for every month, for a like-for-like wall time
        full_monthly_wall, full_monthly_models, _ = dbt.run("run", "--select", "tag:monthly", "--full-refresh",
                                                            "--threads", "1")
        full_monthly_s = sum(full_monthly_models.get(m, 0.0) for m in MONTHLY)
        full_sql_s, window_sql_s = _sql_only(db, full_sql, window_sql)

        ex = _extraction(db, extraction_sql)
        peak_mib = peak_kib / 1024 if peak_kib else None
        return [
            _row("pings", pings, "rows", note=f"scale {scale}, generated/located in {generate_s:.1f} s"),
            _row("bare_parse_s", round(ex["bare_parse_s"], 3), "s", note="json_valid(payload), 1 thread"),
            _row("extract_wave_s", round(ex["extract_wave_s"], 3), "s",
                 note=f"compiled int_ping_metrics, {len(extracted_metrics())} metrics, 1 thread"),
            _row("per_metric_extract_s", round(ex["per_metric_extract_s"], 3), "s", note="one json call per metric"),
            _row("extract_vs_bare_parse", round(ex["extract_wave_s"] / ex["bare_parse_s"], 2), "x",
                 goal=GOALS["extract_vs_bare_parse"]),
            _row("per_metric_vs_parse_once", round(ex["per_metric_extract_s"] / ex["extract_wave_s"], 1), "x",
                 note="context: what parsing once saves"),
            _row("full_refresh_models_s", round(full_monthly_s, 3), "s", note="tag:monthly, every month"),
            _row("incremental_month_models_s", round(inc_monthly_s, 3), "s", note=f"tag:monthly, {month_start:%Y-%m}"),
            _row("full_refresh_monthly_wall_s", round(full_monthly_wall, 2), "s", note="incl. dbt start-up"),
            _row("incremental_month_wall_s", round(inc_wall, 2), "s", note="incl. dbt start-up and re-parse (vars)"),
            _row("incremental_vs_full_refresh", round(inc_monthly_s / full_monthly_s, 3), "x",
                 goal=GOALS["incremental_vs_full_refresh"], note="model times from dbt's run_results.json"),
            _row("full_refresh_sql_s", round(full_sql_s, 3), "s", note="the monthly models' SELECTs alone (views left out)"),
            _row("incremental_month_sql_s", round(window_sql_s, 3), "s", note="same, one month's window"),
            _row("incremental_vs_full_refresh_sql", round(window_sql_s / full_sql_s, 3), "x",
                 note="context: the data work without dbt's per-model bookkeeping"),
            _row("full_refresh_wall_s", round(full_wall, 2), "s", note="dbt run --full-refresh, whole project"),
            _row("full_refresh_peak_rss_mib", round(peak_mib, 1) if peak_mib else None, "MiB",
                 goal=GOALS["full_refresh_peak_rss_mib"], note=f"scale {scale}"),
            *sql_rows,
        ]
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--keep", type=Path, help="keep the generated data and warehouse in this folder")
    parser.add_argument("--before", help="checkout of the project to compare with (default: a git worktree of "
                        f"{model_sql.BEFORE_COMMIT})")
    args = parser.parse_args(argv)
    for row in run(args.scale, args.keep, args.before):
        goal = f"  (goal {'<=' if row.get('goal') else ''}{row['goal']})" if row.get("goal") else ""
        print(f"{row['measure']:32} {row['value']!s:>12} {row['unit']:5}{goal}  {row.get('note', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
