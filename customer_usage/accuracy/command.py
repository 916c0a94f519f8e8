"""`customer-usage accuracy`: score a warehouse (built from --landing when it does not
exist yet) against the generator's ground truth; a table, or JSON with --json."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "accuracy",
        help="precision and recall of every stitching mapping against the generator's ground truth",
        description="Score the warehouse's mappings (account resolution, license -> subscription, "
        "ping -> subscription, bridge status, customer type, ...) against a ground-truth folder written by "
        "`customer-usage generate`. When --warehouse does not exist it is built from --landing first.",
    )
    p.add_argument("--landing", type=Path, help="the landing folder the warehouse was (or is to be) built from")
    p.add_argument("--truth", type=Path, help="ground-truth folder (default: LANDING/.ground_truth, "
                   "where `customer-usage generate` writes it)")
    p.add_argument("--warehouse", type=Path, required=True, help="the DuckDB warehouse file to score")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from customer_usage.accuracy.scoring import format_scores, score

    if args.truth is None and args.landing is None:
        raise ValueError("give --truth (or --landing, whose .ground_truth folder is used)")
    truth = args.truth or args.landing / ".ground_truth"
    if not args.warehouse.exists():
        if args.landing is None:
            raise ValueError(f"warehouse {args.warehouse} does not exist: give --landing to build it")
        from customer_usage.docs_gen.build import build_warehouse

        build_warehouse(args.landing, args.warehouse.parent, duckdb_path=args.warehouse)
    scores = score(args.warehouse, truth, args.landing)
    if args.json:
        print(json.dumps([asdict(s) for s in scores], indent=2))
    else:
        import duckdb

        from customer_usage.accuracy.installation import format_installation_accuracy, installation_accuracy

        print(format_scores(scores))
        if (truth / "installations.parquet").exists():
            with duckdb.connect(str(args.warehouse), read_only=True) as con:
                print()
                print(format_installation_accuracy(installation_accuracy(con, truth)))
    return 0
