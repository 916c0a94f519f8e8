"""The `customer-usage` command. One argparse subcommand per job; areas add theirs by
writing a `_add_<name>(subparsers)` function and listing it in `SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def _rate(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--rate expects NAME=VALUE, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--rate {name}: {value!r} is not a number") from exc


def _add_generate(subparsers) -> None:
    from customer_usage_sim.config import SCALES

    p = subparsers.add_parser(
        "generate",
        help="write a simulated landing folder (every source table, Parquet) and its ground truth",
        description="Simulate a GitLab-like business and write every source table of the data contract "
        "in the landing layout, plus a ground-truth folder (never read by the pipeline).",
    )
    p.add_argument("--scale", choices=list(SCALES), default="demo")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True, help="landing folder to write")
    p.add_argument("--as-of", type=_date, default=None, help="last day of data (default 2026-10-31)")
    p.add_argument("--truth-dir", type=Path, default=None, help="ground-truth folder (default: OUT/.ground_truth, hidden so the pipeline never loads it)")
    p.add_argument("--rate", type=_rate, action="append", default=[], metavar="DEFECT=RATE",
                   help="override a defect rate, e.g. --rate crm_id_15_char=0.5 (repeatable)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--verbose", "-v", action="store_true", help="print progress with elapsed time and peak memory")
    p.set_defaults(func=_run_generate)


def _run_generate(args) -> int:
    from customer_usage_sim.core import generate

    log = None
    if args.verbose:
        import resource
        import time

        start = time.perf_counter()

        def log(message: str) -> None:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"[{time.perf_counter() - start:6.1f}s, peak {peak:,.0f} MiB] {message}", file=sys.stderr, flush=True)

    result = generate(args.out, scale=args.scale, seed=args.seed, as_of=args.as_of,
                      truth_dir=args.truth_dir, rates=dict(args.rate), log=log)
    if args.json:
        print(json.dumps({"landing_dir": str(result.landing_dir), "truth_dir": str(result.truth_dir),
                          "seconds": round(result.seconds, 2), "row_counts": result.row_counts}, indent=2))
        return 0
    print(f"wrote {sum(result.row_counts.values()):,} rows in {len(result.row_counts)} tables "
          f"to {result.landing_dir} in {result.seconds:.1f}s (scale={args.scale}, seed={args.seed})")
    width = max(len(k) for k in result.row_counts)
    for table, rows in result.row_counts.items():
        print(f"  {table:<{width}}  {rows:>12,}")
    print(f"ground truth: {result.truth_dir}")
    return 0


def _add_run(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="materialize every asset on the configured target (generating demo data when needed)",
        description="The README's main job: generate the demo extracts when no landing folder is "
        "given, materialize every asset (sources, checks, dbt models, every month of the mart, "
        "exports) in one Dagster run, and print a summary (the full log goes to a file).",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="stream Dagster's event log instead of a summary")
    p.set_defaults(func=_run_main_job)


def _run_main_job(args) -> int:
    from customer_usage.main_job import main as run_main_job

    return run_main_job(verbose=args.verbose)


def _add_docs(subparsers) -> None:
    p = subparsers.add_parser(
        "docs",
        help="regenerate docs/erd.md and docs/metrics.md (and, with --demo, docs/integration-challenges.md)",
    )
    p.add_argument("--demo", action="store_true",
                   help="also build the demo data set in a temporary folder and refresh the integration numbers")
    p.set_defaults(func=_run_docs)


def _run_docs(args) -> int:
    from customer_usage.docs_gen.metrics import write as write_metrics_docs
    from customer_usage.docs_gen.erd import main as erd_docs

    status = erd_docs([])
    print(f"wrote {write_metrics_docs()}")
    if args.demo and not status:
        from customer_usage.docs_gen.integration_challenges import main as challenges_docs

        status = challenges_docs(["--demo"])
    return status


def _add_accuracy(subparsers) -> None:
    from customer_usage.accuracy.command import add_parser

    add_parser(subparsers)


def _add_export(subparsers) -> None:
    from customer_usage.exports.cli import add_export

    add_export(subparsers)


def _add_dashboard(subparsers) -> None:
    p = subparsers.add_parser(
        "dashboard",
        help="start the self-service dashboard (Customer 360, usage trends, integration health) on the marts",
    )
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.set_defaults(func=_run_dashboard)


def _run_dashboard(args) -> int:
    from customer_usage.dashboard.launch import main as launch_dashboard

    return launch_dashboard(port=args.port, host=args.host)


def _add_catalog(subparsers) -> None:
    p = subparsers.add_parser(
        "catalog",
        help="generate the dbt docs catalog (models, columns, tests, lineage) of the warehouse and serve it",
    )
    p.add_argument("--port", type=int, default=8580)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--no-serve", action="store_true", help="only generate the catalog folder and print it")
    p.set_defaults(func=_run_catalog)


def _run_catalog(args) -> int:
    from customer_usage.catalog.dbt_docs import main as catalog_main

    return catalog_main(port=args.port, host=args.host, serve=not args.no_serve)


SUBCOMMANDS = [_add_generate, _add_run, _add_docs, _add_accuracy, _add_export, _add_dashboard, _add_catalog]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customer-usage", description="customer_usage platform tools")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:
        print(f"customer-usage {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
