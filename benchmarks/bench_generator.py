"""What generating a landing folder costs: seconds, rows/s and peak memory per scale.

Each generation runs in a fresh subprocess (peak RSS is per process) writing to
a temporary folder. Side by side in one run, the requested scale is compared
with `demo`: `cost_per_ping_vs_demo` (x) = seconds per ping at the scale ÷
seconds per ping at demo, which stays near 1 while generation is linear.

Goals (issue 3, on `medium`, 2 cores): ≤ 60 s and ≤ 2 GiB peak.

Run: `.venv/bin/python -m benchmarks.bench_generator --scale medium`
(`--scale medium,large` measures several).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARK = "generator"
GOALS = {"medium": {"seconds": 60.0, "peak_rss_mib": 2048.0}}

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from customer_usage_sim.core import generate
t = time.perf_counter()
r = generate(sys.argv[1], scale=sys.argv[2], seed=1)
size = sum(p.stat().st_size for p in Path(sys.argv[1]).rglob('*') if p.is_file())
print(json.dumps({"seconds": time.perf_counter() - t, "rows": r.row_counts,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "bytes": size}))
"""


def _row(measure: str, value, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


def measure(scale: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_generator_") as tmp:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(Path(tmp) / "landing"), scale],
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"generate --scale {scale} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def run(scale: str) -> list[dict]:
    scales = [s.strip() for s in scale.split(",") if s.strip()]
    results = {"demo": measure("demo")}
    for s in scales:
        if s not in results:
            results[s] = measure(s)
    base = results["demo"]["seconds"] / max(results["demo"]["rows"]["version_db/usage_data"], 1)
    rows: list[dict] = []
    for s in scales:
        r = results[s]
        pings = r["rows"]["version_db/usage_data"]
        total = sum(r["rows"].values())
        goals = GOALS.get(s, {})
        rows += [
            _row(f"{s}_seconds", round(r["seconds"], 2), "s", **({"goal": goals["seconds"]} if "seconds" in goals else {})),
            _row(f"{s}_peak_rss", round(r["peak_rss_mib"], 1), "MiB",
                 **({"goal": goals["peak_rss_mib"]} if "peak_rss_mib" in goals else {})),
            _row(f"{s}_rows", total, "rows", note="all landing tables"),
            _row(f"{s}_pings", pings, "rows"),
            _row(f"{s}_rows_per_s", round(total / r["seconds"]), "rows/s"),
            _row(f"{s}_pings_per_s", round(pings / r["seconds"]), "pings/s"),
            _row(f"{s}_landing_size", round(r["bytes"] / 2**20, 1), "MiB", note="Parquet, zstd"),
        ]
        if s != "demo":
            rows.append(_row(f"{s}_cost_per_ping_vs_demo", round((r["seconds"] / max(pings, 1)) / base, 3), "x",
                             note="seconds per ping vs demo in the same run"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", help="demo, small, medium, large, or a comma list")
    args = parser.parse_args(argv)
    for row in run(args.scale):
        extra = "  ".join(f"{k}={v}" for k, v in row.items() if k not in ("benchmark", "measure", "value", "unit"))
        print(f"{row['measure']:<32} {row['value']:>14} {row['unit']:<8} {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
