"""What loading and validating the sources costs, and in-warehouse vs pandas validation.

Side by side in one run, on one generated landing folder (Parquet) and one
DuckDB file:

* `load_s`: every contract table read, classified (quarantine rules) and
  written as `raw_*` + `quarantine.*`, inside DuckDB; `load_rows_per_s`.
* `validate_warehouse_s`: every table's pandera contract through pandera's
  ibis backend, in DuckDB (what the `contract` asset checks run).
* `validate_pandas_s`: the same rules as a pandas pandera schema, after
  pulling each table into pandas (the approach the design avoids).
* `coverage_s`: the nine key-coverage measures.
* `dbt_build_s`: plain `dbt build` of the project on the loaded tables (the
  rest of the pipeline; skipped with `--no-dbt`, or noted when it fails).
* ratios: `pandas_vs_warehouse_validation` (x), `validation_share_of_pipeline`
  = validate_warehouse_s ÷ (load + validate + coverage + dbt build), goal
  ≤ 0.10 at `medium`; `validation_share_of_sources` without dbt, for context.

Run: `.venv/bin/python -m benchmarks.bench_sources --scale demo`
(`--scale medium`; `CUSTOMER_USAGE_BENCH_LANDING_DIR=<folder>` uses existing extracts).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from customer_usage.warehouse import connect_duckdb

BENCHMARK = "sources"
LANDING_ENV = "CUSTOMER_USAGE_BENCH_LANDING_DIR"
VALIDATION_SHARE_GOAL = 0.10
LOAD_ROWS_PER_S_GOAL = 2_000_000  # issue 18: ≥ 2M rows/s, or load ÷ bare scan ≤ 3×
LOAD_VS_SCAN_GOAL = 3.0


def _row(measure: str, value, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


def _landing(scale: str, tmp: Path) -> Path:
    from customer_usage.settings import Settings

    given = Settings.from_env().bench_landing_dir
    if given:
        return given
    from customer_usage_sim.core import generate

    return generate(tmp / "landing", scale=scale, seed=1).landing_dir


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _load(db: Path, landing: Path) -> int:

    from customer_usage.sources.contract import load_contract
    from customer_usage.sources.loader import load_into_duckdb
    from customer_usage.warehouse import DuckDBWarehouse

    with connect_duckdb(db) as con:
        wh = DuckDBWarehouse(con)
        return sum(load_into_duckdb(wh, spec, landing).rows_read for spec in load_contract())


def _bare_scan(landing: Path) -> int:
    """Every landing file read once by DuckDB into a throw-away table: the floor a load can reach."""
    from customer_usage.sources.contract import load_contract
    from customer_usage.sources.landing import find_table_file
    from customer_usage.sources.loader import _reader

    rows = 0
    with connect_duckdb() as con:
        for spec in load_contract():
            found = find_table_file(landing, spec)
            if found is None:
                continue
            con.execute(f"create or replace temp table _scan as select * from {_reader(found)}")
            rows += con.execute("select count(*) from _scan").fetchall()[0][0]
            con.execute("drop table _scan")
    return rows


def _validate_in_warehouse(db: Path) -> int:

    from customer_usage.sources.contract import load_contract
    from customer_usage.sources.validation import validate_contract
    from customer_usage.warehouse import DuckDBWarehouse

    failed = 0
    with connect_duckdb(db) as con:
        wh = DuckDBWarehouse(con)
        for spec in load_contract():
            failed += not validate_contract(wh, spec).passed
    return failed


def _validate_in_pandas(db: Path) -> int:
    import pandera.errors

    from customer_usage.sources.contract import load_contract
    from customer_usage.sources.schemas import pandas_schema

    failed = 0
    with connect_duckdb(db, read_only=True) as con:
        for spec in load_contract():
            frame = con.execute(f"select * from {spec.raw_schema}.{spec.table}").fetchdf()
            try:
                pandas_schema(spec).validate(frame, lazy=True)
            except pandera.errors.SchemaErrors:
                failed += 1
    return failed


def _coverage(db: Path) -> dict:

    from customer_usage.checks.coverage import MEASURES, compute
    from customer_usage.warehouse import DuckDBWarehouse

    with connect_duckdb(db, read_only=True) as con:
        wh = DuckDBWarehouse(con)
        return {m.name: compute(wh, m).coverage for m in MEASURES}


def _dbt_build(db: Path, tmp: Path) -> tuple[float | None, str]:
    from customer_usage.dbt.project import dbt_env, dbt_executable
    from customer_usage.settings import DBT_PROJECT_DIR, Settings

    settings = Settings(target="local", landing_dir=tmp, duckdb_path=db, as_of=None)
    start = time.perf_counter()
    out = subprocess.run(
        [dbt_executable(), "build", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target", "local", "--target-path", str(tmp / "dbt_target")],
        cwd=DBT_PROJECT_DIR, env=dbt_env(settings), capture_output=True, text=True, check=False,
    )
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        return seconds, "dbt build reported failures (time still counted): " + (out.stdout + out.stderr)[-300:].strip()
    return seconds, ""


def run(scale: str, with_dbt: bool = True, keep: Path | None = None) -> list[dict]:
    warnings.filterwarnings("ignore")
    # Import everything first so no timing below includes an import.
    import customer_usage.checks.coverage  # noqa: F401
    import customer_usage.sources.loader  # noqa: F401
    import customer_usage.sources.schemas  # noqa: F401
    import customer_usage.sources.validation  # noqa: F401
    import pandera.pandas  # noqa: F401

    tmp = Path(tempfile.mkdtemp(prefix="bench_sources_"))
    try:
        landing = _landing(scale, tmp)
        db = tmp / "warehouse.duckdb"
        scan_s, _ = _timed(lambda: _bare_scan(landing))
        load_s, rows = _timed(lambda: _load(db, landing))
        validate_s, failed = _timed(lambda: _validate_in_warehouse(db))
        pandas_s, pandas_failed = _timed(lambda: _validate_in_pandas(db))
        coverage_s, coverage = _timed(lambda: _coverage(db))
        out = [
            _row("rows_read", rows, "rows", note=f"scale {scale}, every contract table"),
            _row("load_s", round(load_s, 3), "s"),
            _row("load_rows_per_s", round(rows / load_s), "rows/s", goal=LOAD_ROWS_PER_S_GOAL, goal_direction="min"),
            _row("bare_scan_s", round(scan_s, 3), "s", note="every landing file read once into a temp table"),
            _row("load_vs_bare_scan", round(load_s / scan_s, 2), "x", goal=LOAD_VS_SCAN_GOAL,
                 note="load (read, type, dedupe, quarantine, write) ÷ bare scan of the same files"),
            _row("validate_warehouse_s", round(validate_s, 3), "s", note=f"{failed} table(s) failed"),
            _row("validate_pandas_s", round(pandas_s, 3), "s", note=f"{pandas_failed} table(s) failed"),
            _row("coverage_s", round(coverage_s, 3), "s",
                 note=", ".join(f"{k}={v:.3f}" for k, v in coverage.items() if v is not None)),
            _row("pandas_vs_warehouse_validation", round(pandas_s / validate_s, 2), "x",
                 note="pandas (pull + validate) ÷ in-warehouse (ibis)"),
        ]
        sources_s = load_s + validate_s + coverage_s
        out.append(_row("validation_share_of_sources", round(validate_s / sources_s, 3), "x",
                        note="validation ÷ (load + validate + coverage)"))
        if with_dbt:
            dbt_s, note = _dbt_build(db, tmp)
            out.append(_row("dbt_build_s", round(dbt_s, 3), "s", note=note))
            goal = {"goal": VALIDATION_SHARE_GOAL} if scale == "medium" else {}
            out.append(_row("validation_share_of_pipeline", round(validate_s / (sources_s + dbt_s), 3), "x",
                            note="validation ÷ (load + validate + coverage + dbt build)", **goal))
        return out
    finally:
        if keep:
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--no-dbt", action="store_true", help="skip the dbt build (pipeline share not reported)")
    parser.add_argument("--keep", type=Path, help="copy the work folder here before removing it")
    args = parser.parse_args(argv)
    for row in run(args.scale, with_dbt=not args.no_dbt, keep=args.keep):
        note = f"  ({row['note']})" if row.get("note") else ""
        print(f"{row['measure']:<34} {row['value']:>14} {row['unit']}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
