"""One command for every benchmark: `python -m benchmarks.run --scale demo [--only pipeline,...]`.

Imports each `benchmarks/bench_*.py`, calls its `run(scale)` and prints one
table of measures, then the ratios (unit `x`) with their goals. A benchmark that
fails prints its error and the others still run; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import benchmarks

SCALES = ("demo", "small", "medium", "large")
COLUMNS = ("benchmark", "measure", "value", "unit")
NOTE_WIDTH = 100


def discover() -> list[str]:
    """Short names of the bench modules (`bench_pipeline` -> `pipeline`), sorted."""
    return sorted(
        m.name.removeprefix("bench_") for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )


def _format_value(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == int(value) and abs(value) >= 1000:
            return f"{int(value):,}"
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


def _clip(text: str, width: int = NOTE_WIDTH) -> str:
    """Notes stay on one line of the table (the JSON output keeps them whole)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _verdict(row: dict) -> str:
    goal = row.get("goal")
    if goal is None or not isinstance(row.get("value"), (int, float)):
        return ""
    # A goal is an upper bound unless the row says otherwise (`goal_direction: "min"`).
    met = row["value"] >= goal if row.get("goal_direction") == "min" else row["value"] <= goal
    bound = ">=" if row.get("goal_direction") == "min" else "<="
    return f"goal {bound} {goal}: {'met' if met else 'MISSED'}"


def print_rows(rows: list[dict], out=None) -> None:
    """The measures as one aligned table, then the ratios with their goals."""
    out = out or sys.stdout
    measures = [r for r in rows if r.get("unit") != "x"]
    ratios = [r for r in rows if r.get("unit") == "x"]
    table = [[str(r.get("benchmark", "")), str(r.get("measure", "")), _format_value(r.get("value")),
              str(r.get("unit", "")), _clip("  ".join(x for x in (_verdict(r), str(r.get("note", ""))) if x))]
             for r in measures]
    header = [*COLUMNS, "note"]
    widths = [max([len(h)] + [len(line[i]) for line in table]) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.rjust(w) if i == 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(line(header), file=out)
    print(line(["-" * w for w in widths]), file=out)
    for cells in table:
        print(line(cells), file=out)
    if ratios:
        print(file=out)
        print("Ratios (measured side by side in this run):", file=out)
        name_width = max(len(f"{r['benchmark']}.{r['measure']}") for r in ratios)
        for r in ratios:
            name = f"{r['benchmark']}.{r['measure']}"
            extras = "  ".join(x for x in (_verdict(r), str(r.get("note", ""))) if x)
            print(f"  {name.ljust(name_width)}  {r['value']:8.2f}x  {extras}".rstrip(), file=out)


def run_all(scale: str, only: list[str] | None = None) -> tuple[list[dict], dict[str, str]]:
    """Rows of every benchmark that ran, and {name: error} of those that failed."""
    names = discover()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            return [], {name: f"no benchmarks/bench_{name}.py (have: {', '.join(names)})" for name in unknown}
        names = [n for n in names if n in only]
    rows, failures = [], {}
    for name in names:
        print(f"[bench] {name} (scale {scale}) ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            result = module.run(scale)
            bad = [r for r in result if not set(COLUMNS) <= set(r)]
            if bad:
                raise ValueError(f"rows without {COLUMNS}: {bad[:3]}")
            rows.extend(result)
        except Exception as exc:  # one broken benchmark must not hide the others
            failures[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return rows, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print one table of measures and ratios.")
    parser.add_argument("--scale", default="demo", choices=SCALES)
    parser.add_argument("--only", default="", help="comma-separated benchmark names, e.g. pipeline,sources")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    only = [n.strip().removeprefix("bench_") for n in args.only.split(",") if n.strip()]

    rows, failures = run_all(args.scale, only)
    print()
    print_rows(rows)
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "rows": rows, "failures": failures}, indent=2, default=str))
    if failures:
        print(file=sys.stderr)
        for name, error in failures.items():
            print(f"FAILED bench_{name}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
