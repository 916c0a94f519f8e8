"""What the always-on automation costs per tick, side by side in one run.

On a generated landing folder of the scale:

* `arrival_cold_scan_s`: the arrival sensor's first look (hashes every file).
* `arrival_idle_vs_cold`: a tick with nothing changed (one `stat` per file, no
  hashing) ÷ the cold scan; the cursor's size+mtime shortcut is what keeps the
  15-second sensor cheap on a big folder.
* `arrival_one_change_vs_cold`: one changed file (hashed) ÷ the cold scan.
* `arrival_idle_tick_s`: a whole sensor evaluation (instance query + scan).
* `automation_tick_s`: one evaluation of every automation condition of the real
  code location (dbt models and their tests) right after all sources were
  loaded, and `automation_requested_assets`: how many assets that one tick
  requests (all unpartitioned models: one run; the monthly ones follow).

Run: `.venv/bin/python -m benchmarks.bench_automation --scale demo`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

BENCHMARK = "automation"


def _row(measure: str, value, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


def _timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def run(scale: str) -> list[dict]:
    import dagster as dg

    from customer_usage.automation.arrival import build_arrival_sensor
    from customer_usage.automation.landing import list_extract_files, scan_landing
    from customer_usage_sim.core import generate

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench_automation_") as tmp_name:
        tmp = Path(tmp_name)
        landing = tmp / "landing"
        generate(landing, scale=scale, seed=1, truth_dir=tmp / "truth")
        files = list_extract_files(landing)
        megabytes = sum(p.stat().st_size for p in files.values()) / 1e6
        rows.append(_row("landing_files", len(files), "files", note=f"{megabytes:.1f} MB"))

        cold_s, cold = _timed(lambda: scan_landing(landing, {}), repeat=1)
        idle_s, idle = _timed(lambda: scan_landing(landing, cold.state))
        assert not idle.changed
        smallest = min(files.values(), key=lambda p: p.stat().st_size)
        stamp = time.time_ns()
        os.utime(smallest, ns=(stamp, stamp))
        smallest.write_bytes(smallest.read_bytes())  # same bytes, new mtime: must be hashed
        one_s, _ = _timed(lambda: scan_landing(landing, cold.state))
        rows += [
            _row("arrival_cold_scan_s", round(cold_s, 4), "s", note=f"{megabytes:.1f} MB hashed"),
            _row("arrival_idle_scan_s", round(idle_s, 5), "s"),
            _row("arrival_one_change_scan_s", round(one_s, 5), "s", note=smallest.name),
            _row("arrival_idle_vs_cold", round(idle_s / cold_s, 4), "x", goal=0.1),
            _row("arrival_one_change_vs_cold", round(one_s / cold_s, 4), "x"),
        ]

        job = dg.define_asset_job("bench_load", selection=dg.AssetSelection.all())
        sensor = build_arrival_sensor(landing, job, settle_seconds=0)
        with dg.instance_for_test() as instance:
            def tick(cursor):
                context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=dg.Definitions(jobs=[job], sensors=[sensor]))
                return sensor.evaluate_tick(context)

            first = tick(None)
            idle_tick_s, data = _timed(lambda: tick(first.cursor))
            assert not data.run_requests
            rows.append(_row("arrival_idle_tick_s", round(idle_tick_s, 4), "s"))

        rows += _automation_tick(tmp)
    return rows


def _automation_tick(tmp: Path) -> list[dict]:
    import dagster as dg

    from customer_usage.definitions import build_definitions
    from customer_usage.settings import Settings
    from customer_usage.sources.contract import load_contract

    settings = Settings.from_env(
        {"CUSTOMER_USAGE_LANDING_DIR": str(tmp / "landing"), "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp / "w.duckdb")}
    )
    defs = build_definitions(settings)
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        sources = {dg.AssetKey(spec.asset_key) for spec in load_contract()}
        for key in sources:
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        for check_key in defs.resolve_asset_graph().asset_check_keys:  # as in a load run: checks pass
            if check_key.asset_key in sources:
                instance.report_runless_asset_event(
                    dg.AssetCheckEvaluation(asset_key=check_key.asset_key, check_name=check_key.name, passed=True)
                )
        started = time.perf_counter()
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        seconds = time.perf_counter() - started
    graph = defs.resolve_asset_graph()
    assets = [k for k in graph.materializable_asset_keys if graph.get(k).automation_condition is not None]
    return [
        _row("automation_tick_s", round(seconds, 3), "s", note=f"{len(defs.resolve_asset_graph().get_all_asset_keys())} assets"),
        _row("automation_requested_assets", sum(result.get_num_requested(k) for k in assets), "assets",
             note=f"of {len(assets)} automated, after every source loaded (+ their dbt tests)"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", choices=["demo", "small", "medium", "large"])
    args = parser.parse_args(argv)
    for row in run(args.scale):
        note = f"  ({row['note']})" if row.get("note") else ""
        print(f"{row['measure']:<32} {row['value']:>12} {row['unit']}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
