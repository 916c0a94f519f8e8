"""How much the orchestration costs: the Dagster pipeline vs plain dbt vs raw DuckDB.

Issue 6's goals, measured side by side in one run on the same data and the same
machine: the dbt part of the Dagster run ÷ plain `dbt build` of the same
project on the same loaded raw tables (goal ≤ 1.1× on `medium`), and ÷ DuckDB
executing the same compiled SQL directly (goal ≤ 1.3×).

The three engines each start from an identical warehouse holding only the
loaded raw (and quarantine) tables, so every one of them builds every model
from scratch (incremental models included):

1. `pipeline`: the full materialization of `customer-usage run` (sources,
   pandera checks, dbt models and tests, monthly partitions, exports) in process
   on a fresh DuckDB file; the dbt steps' share is read from the run's event log.
2. `dbt build`: a copy of that warehouse with the dbt schemas dropped, built by
   the dbt CLI into a temporary target path (the shared manifest is untouched).
3. `raw DuckDB`: another such copy; every model's compiled SQL (from the
   manifest plain dbt just wrote) runs as `create or replace table/view` in
   dependency order, then every test's compiled SQL as a failure count.

Run: `.venv/bin/python -m benchmarks.bench_pipeline --scale demo [--keep DIR]`;
`CUSTOMER_USAGE_BENCH_LANDING_DIR=<folder>` benchmarks existing extracts instead
of generated ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from benchmarks.memory import PeakSampler
from customer_usage.dbt.project import dbt_env, dbt_executable, manifest_path
from customer_usage.dbt.step_report import StepReport, parse_line, read_step
from customer_usage.dbt.table_metadata import READ_PATTERN
from customer_usage.environment import environment
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.warehouse import connect_duckdb

BENCHMARK = "pipeline"
DBT_SCHEMAS = ("staging", "intermediate", "marts", "exports")
GOALS = {"dagster_dbt_vs_dbt_build": 1.1, "dagster_dbt_vs_raw_duckdb": 1.3, "pipeline_total_vs_dbt_build": 1.5,
         "raw_duckdb_models_s": 30.0, "pipeline_peak_rss_mib": 3 * 1024,
         "pipeline_tests_vs_dbt_build": 1.0}
TOP_MODELS = 10
GENERATE_TIMEOUT_S = 3600
LANDING_ENV = "CUSTOMER_USAGE_BENCH_LANDING_DIR"


class BenchmarkError(RuntimeError):
    """A stage of the benchmark failed; the message says which and shows its output."""


def _row(measure: str, value: float, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


# --- data -----------------------------------------------------------------------------------


def generate_landing(scale: str, out: Path) -> float:
    """`customer-usage generate --scale <scale> --seed 1 --out <out>`; returns seconds."""
    cli = Path(sys.executable).with_name("customer-usage")
    command = [str(cli), "generate", "--scale", scale, "--seed", "1", "--out", str(out)]
    if not cli.exists():
        command = [sys.executable, "-m", "customer_usage.cli", *command[1:]]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if result.returncode != 0 or not any(out.glob("*/*.*")):
        raise BenchmarkError(
            f"generating the {scale!r} landing data failed ({' '.join(command)}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    return seconds


def landing_rows(landing: Path) -> int:
    """Rows over all extracts, to put the times in proportion."""
    with connect_duckdb() as con:  # the platform's memory limit and spill folder
        total = 0
        for path in sorted(landing.glob("[!.]*/*")):  # not the hidden .ground_truth
            reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto" if path.suffix == ".csv" else None
            if reader:
                total += con.execute(f"select count(*) from {reader}('{path}')").fetchone()[0]
        return total


# --- 1. the Dagster pipeline ------------------------------------------------------------------


def _step_seconds(instance, run_id: str) -> tuple[dict[str, float], dict[str, float], dict, dict[str, dict]]:
    """Wall time of each step (STEP_START to success/failure), per dbt step of the dbt
    process itself (dagster-dbt's "Running dbt command" to "Finished dbt command" log lines),
    each step's (start, end) timestamps, and each dbt step's report (parse, models, tests;
    customer_usage/dbt/step_report.py)."""
    starts, seconds, cli_started, cli_seconds = {}, {}, {}, {}
    intervals, reports = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            message = entry.user_message or ""
            report = parse_line(message)
            read = READ_PATTERN.search(message)
            if entry.step_key and report:
                reports.setdefault(entry.step_key, {}).update(report)
            elif entry.step_key and read:
                reports.setdefault(entry.step_key, {})["metadata_s"] = float(read.group(2))
            elif entry.step_key and message.startswith("Running dbt command"):
                cli_started[entry.step_key] = entry.timestamp
            elif entry.step_key in cli_started and message.startswith("Finished dbt command"):
                cli_seconds[entry.step_key] = cli_seconds.get(entry.step_key, 0.0) + (
                    entry.timestamp - cli_started.pop(entry.step_key))
            continue
        if not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            seconds[event.step_key] = entry.timestamp - starts[event.step_key]
            intervals[event.step_key] = (starts[event.step_key], entry.timestamp)
    return seconds, cli_seconds, intervals, reports


def _error_text(error, limit: int = 1500) -> str:
    """The error and its causes, innermost last: the wrapper alone names no reason."""
    parts = []
    while error is not None:
        parts.append(error.message.strip())
        error = error.cause
    return " <- ".join(parts)[-limit:]


def _dbt_op_names(defs) -> set[str]:
    """Ops of the `@dbt_assets` definitions (they carry the dbt manifest in their metadata)."""
    names = set()
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if any(key.startswith("dagster_dbt/") or key.startswith("dagster-dbt/")
               for spec in assets_def.specs for key in spec.metadata):
            names.add(assets_def.op.name)
    return names


def _is_dbt_step(step_key: str, op_names: set[str]) -> bool:
    """Dagster may split one dbt op into several steps (`<op>_1`, `<op>_2`) around Python assets."""
    return any(step_key == op or (step_key.startswith(op + "_") and step_key[len(op) + 1:].isdigit())
               for op in op_names)


def run_pipeline(settings: Settings, env: dict[str, str]) -> dict[str, float]:
    import dagster as dg

    from customer_usage.definitions import build_definitions
    from customer_usage.main_job import materialize_everything

    with environment(env), dg.DagsterInstance.ephemeral() as instance, PeakSampler() as memory:
        started = time.perf_counter()
        result = materialize_everything(settings, instance)
        total = time.perf_counter() - started
        if not result.success:
            failures = [f"{e.step_key}: {_error_text(e.step_failure_data.error)}" for e in result.all_events
                        if e.is_step_failure]
            raise BenchmarkError("the Dagster run failed:\n" + "\n".join(failures))
        steps, cli, intervals, reports = _step_seconds(instance, result.run_id)
        dbt_ops = _dbt_op_names(build_definitions(settings))
    dbt_steps = {key: s for key, s in steps.items() if _is_dbt_step(key, dbt_ops)}
    if not dbt_steps:
        raise BenchmarkError(f"no dbt step found among the run's steps {sorted(steps)}")
    dbt_seconds = sum(dbt_steps.values())
    step_peaks = {key: memory.peak_between(a, b) / 1024 for key, (a, b) in intervals.items()}
    return {
        "total": total,
        "dbt": dbt_seconds,
        "dbt_cli": sum(cli.get(key, 0.0) for key in dbt_steps),
        "dbt_invocations": len(dbt_steps),
        "dbt_steps": dbt_steps,
        "other_steps": sum(steps.values()) - dbt_seconds,
        "peak_rss_mib": memory.peak_kib / 1024,
        "peak_step": ", ".join(k for k, (a, b) in intervals.items() if a <= memory.peak_at <= b) or "(between steps)",
        "step_peaks_mib": step_peaks,
        "dbt_reports": {key: reports[key] for key in dbt_steps if key in reports},
    }


# --- shared starting point: the raw tables only ---------------------------------------------


def raw_only_copy(source: Path, dest: Path) -> None:
    """Copy the warehouse and drop what dbt builds, so dbt starts from loaded raw tables."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    with connect_duckdb(dest) as con:
        for schema in DBT_SCHEMAS:
            con.execute(f"drop schema if exists {schema} cascade")
        con.execute("checkpoint")


# --- 2. plain dbt build ---------------------------------------------------------------------


def run_dbt_parse(settings: Settings, target_path: Path, log_path: Path) -> float:
    """A full `dbt parse` with the run's profile: what every dbt process pays when partial
    parsing is invalid (another profile, e.g. DuckDB path, or other `--vars`)."""
    command = [
        dbt_executable(), "parse", "--no-partial-parse", "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR), "--target", settings.dbt_target,
        "--target-path", str(target_path), "--log-path", str(log_path),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=dbt_env(settings), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchmarkError(f"dbt parse failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return seconds


def run_dbt_build(settings: Settings, target_path: Path, log_path: Path) -> tuple[float, StepReport | None]:
    """Seconds of a plain `dbt build`, and its report (parse, models and tests run)."""
    target_path.mkdir(parents=True, exist_ok=True)
    partial = manifest_path().with_name("partial_parse.msgpack")
    if partial.exists():  # dagster-dbt reuses it too: compare like with like
        shutil.copyfile(partial, target_path / partial.name)
    command = [
        dbt_executable(), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", settings.dbt_target, "--target-path", str(target_path), "--log-path", str(log_path),
        "--log-format-file", "json",  # as dagster-dbt's steps write it, for the step report
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=dbt_env(settings), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchmarkError(f"plain dbt build failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return seconds, read_step(target_path, log_path)


# --- 3. raw DuckDB on the compiled SQL ------------------------------------------------------


def compiled_statements(manifest: dict) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, sql) of every model in dependency order as DDL, and of every test as a failure count."""
    nodes = manifest["nodes"]
    models = {
        uid: n for uid, n in nodes.items()
        if n["resource_type"] == "model" and n["config"].get("materialized") != "ephemeral"
    }
    missing = [n["name"] for n in models.values() if not n.get("compiled_code")]
    if missing:
        raise BenchmarkError(f"the manifest has no compiled SQL for {missing[:10]}")
    graph = {uid: [d for d in n["depends_on"]["nodes"] if d in models] for uid, n in models.items()}
    ddl = []
    for uid in TopologicalSorter(graph).static_order():
        node = models[uid]
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        relation = f'"{node["schema"]}"."{node["alias"] or node["name"]}"'
        ddl.append((node["name"], f"create or replace {kind} {relation} as (\n{node['compiled_code']}\n)"))
    tests = [
        (n["name"], f"select count(*) from (\n{n['compiled_code']}\n) as dbt_test")
        for n in nodes.values()
        if n["resource_type"] == "test" and n.get("compiled_code")
    ]
    return ddl, tests


def run_raw_duckdb(warehouse: Path, manifest: dict) -> dict[str, float]:
    ddl, tests = compiled_statements(manifest)
    per_model = {}
    with connect_duckdb(warehouse) as con:
        started = time.perf_counter()
        for schema in DBT_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        for name, sql in ddl:
            model_started = time.perf_counter()
            try:
                con.execute(sql)
            except duckdb.Error as exc:
                raise BenchmarkError(f"raw DuckDB failed on model {name}: {exc}") from exc
            per_model[name] = time.perf_counter() - model_started
        models_s = time.perf_counter() - started
        for name, sql in tests:
            con.execute(sql).fetchone()
        total = time.perf_counter() - started
    return {"models": models_s, "tests": total - models_s, "total": total, "model_count": len(ddl),
            "test_count": len(tests), "per_model": per_model}


# --- what the dbt processes did, and where memory peaked ----------------------------------


def dbt_process_rows(reports: dict[str, dict], plain: StepReport | None) -> list[dict]:
    """Parses and tests of the run's dbt steps beside plain `dbt build`'s: each step should
    partial-parse (a full re-parse costs `dbt_full_parse_s`), and the steps together should
    run exactly the tests plain dbt runs (none twice, none added by dagster-dbt)."""
    reports = {key: r for key, r in reports.items() if "full_parse" in r} | {
        key: {"full_parse": False, "parse_s": 0.0, "tests": 0, **r} for key, r in reports.items() if "full_parse" not in r}
    full = [key for key, r in sorted(reports.items()) if r["full_parse"]]
    rows = [
        _row("pipeline_dbt_full_parses", len(full), "steps",
             note=f"of {len(reports)} dbt steps" + (f": {', '.join(full)}" if full else "")
             + ("; plain dbt build: full" if plain and plain.full_parse else "; plain dbt build: partial")),
        _row("pipeline_dbt_parse_s", round(sum(r["parse_s"] for r in reports.values()), 1), "s",
             note="dbt start-up and parse, summed over the dbt steps; plain dbt build: "
             + (f"{plain.parse_s:.1f} s" if plain else "n/a")),
        _row("pipeline_dbt_metadata_s", round(sum(r.get("metadata_s", 0.0) for r in reports.values()), 2), "s",
             note="row counts and column schemas of the built models, read after each dbt step"),
        _row("pipeline_dbt_tests_run", sum(r["tests"] for r in reports.values()), "tests",
             note=", ".join(f"{k} {r['tests']}" for k, r in sorted(reports.items()))),
    ]
    if plain is not None and plain.tests:
        rows.append(_row("dbt_build_tests_run", plain.tests, "tests", note="plain `dbt build`"))
        rows.append(_row("pipeline_tests_vs_dbt_build", sum(r["tests"] for r in reports.values()) / plain.tests, "x",
                         goal=GOALS["pipeline_tests_vs_dbt_build"], note="tests dagster-dbt runs ÷ dbt's own"))
    return rows


def step_peak_rows(step_peaks_mib: dict[str, float], top: int = 5) -> list[dict]:
    """The steps with the highest peak resident memory of the process tree."""
    ranked = sorted(step_peaks_mib.items(), key=lambda kv: -kv[1])[:top]
    return [_row(f"peak_rss_step_{i + 1:02d}_mib", round(mib), "MiB", note=step) for i, (step, mib) in enumerate(ranked)]


# --- the benchmark --------------------------------------------------------------------------


def run(scale: str, workdir: Path | None = None) -> list[dict]:
    keep = workdir is not None
    root = Path(workdir or tempfile.mkdtemp(prefix="bench_pipeline_"))
    try:
        rows = []
        given = Settings.from_env().bench_landing_dir
        if given:  # the user's own extracts instead of generated ones
            landing = Path(given).resolve()
            rows.append(_row("generate_s", 0.0, "s", note=f"{LANDING_ENV}={landing}"))
        else:
            landing = root / "landing"
            rows.append(_row("generate_s", generate_landing(scale, landing), "s", note=f"scale {scale}, seed 1"))
        rows.append(_row("landing_rows", landing_rows(landing), "rows"))

        env = {
            "CUSTOMER_USAGE_TARGET": "local",
            "CUSTOMER_USAGE_LANDING_DIR": str(landing),
            "CUSTOMER_USAGE_DUCKDB_PATH": str(root / "pipeline" / "warehouse.duckdb"),
        }
        with environment(env):
            settings = Settings.from_env()
        # dbt-duckdb does not create the file's folder, and a dbt step may run before any loader.
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        pipeline = run_pipeline(settings, env)

        # Same file name in separate folders: dbt-duckdb names the catalog after the file stem,
        # and the compiled SQL refers to it.
        dbt_wh, raw_wh = root / "dbt" / "warehouse.duckdb", root / "raw" / "warehouse.duckdb"
        raw_only_copy(settings.duckdb_path, dbt_wh)
        raw_only_copy(settings.duckdb_path, raw_wh)

        dbt_settings = Settings(target="local", landing_dir=landing, duckdb_path=dbt_wh, as_of=settings.as_of)
        dbt_s, dbt_report = run_dbt_build(dbt_settings, root / "dbt" / "target", root / "dbt" / "logs")
        manifest = json.loads((root / "dbt" / "target" / "manifest.json").read_text())
        raw = run_raw_duckdb(raw_wh, manifest)
        parse_s = run_dbt_parse(dbt_settings, root / "parse" / "target", root / "parse" / "logs")

        rows += [
            _row("pipeline_total_s", pipeline["total"], "s", note="sources + checks + dbt + exports, in process"),
            _row("pipeline_dbt_steps_s", pipeline["dbt"], "s", note="the dbt steps inside the Dagster run"),
            _row("pipeline_dbt_invocations", pipeline["dbt_invocations"], "steps",
                 note=", ".join(f"{k} {v:.0f}s" for k, v in sorted(pipeline["dbt_steps"].items()))),
            _row("pipeline_dbt_cli_s", pipeline["dbt_cli"], "s", note="inside those steps: the dbt processes"),
            _row("pipeline_dbt_dagster_side_s", pipeline["dbt"] - pipeline["dbt_cli"], "s",
                 note="inside those steps: selection, event streaming, row counts, column metadata"),
            _row("pipeline_other_steps_s", pipeline["other_steps"], "s", note="loading, pandera checks, exports"),
            _row("dbt_build_s", dbt_s, "s", note="plain `dbt build`, same raw tables"),
            _row("dbt_full_parse_s", parse_s, "s", note="paid by each dbt process whose partial parse is invalid"),
            _row("raw_duckdb_s", raw["total"], "s", note=f"{raw['model_count']} models + {raw['test_count']} tests"),
            _row("raw_duckdb_models_s", raw["models"], "s"),
            _row("raw_duckdb_tests_s", raw["tests"], "s"),
            _row("dagster_dbt_vs_dbt_build", pipeline["dbt"] / dbt_s, "x",
                 goal=GOALS["dagster_dbt_vs_dbt_build"], note="goal on medium"),
            _row("dagster_dbt_vs_raw_duckdb", pipeline["dbt"] / raw["total"], "x",
                 goal=GOALS["dagster_dbt_vs_raw_duckdb"], note="goal on medium"),
            _row("dbt_build_vs_raw_duckdb", dbt_s / raw["total"], "x"),
            _row("pipeline_total_vs_dbt_build", pipeline["total"] / dbt_s, "x",
                 goal=GOALS["pipeline_total_vs_dbt_build"], note="goal on medium"),
            _row("pipeline_peak_rss_mib", round(pipeline["peak_rss_mib"]), "MiB",
                 goal=GOALS["pipeline_peak_rss_mib"],
                 note=f"process tree of the run, sampled; peak during {pipeline['peak_step']}; goal on large"),
        ]
        rows += dbt_process_rows(pipeline["dbt_reports"], dbt_report)
        rows += step_peak_rows(pipeline["step_peaks_mib"])
        rows[rows.index(next(r for r in rows if r["measure"] == "raw_duckdb_models_s"))].update(
            goal=GOALS["raw_duckdb_models_s"], note="the SQL itself; goal on medium")
        top = sorted(raw["per_model"].items(), key=lambda kv: -kv[1])[:TOP_MODELS]
        rows += [_row(f"model_{i + 1:02d}_s", round(s, 3), "s", note=name) for i, (name, s) in enumerate(top)]
        return rows
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="work in DIR and keep it (warehouses, dbt target, landing)")
    args = parser.parse_args(argv)
    from benchmarks.run import print_rows

    print_rows(run(args.scale, workdir=args.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
