"""Stitching accuracy against the generator's ground truth.

Precision: of the links the pipeline made, the share that are true. Recall: of the true
links, the share the pipeline found. The injected defects make some links unrecoverable
by the contract's rules, so recall is compared with the recoverable share (the truth's
`expected_*` columns), and `exact` is the share of rows where the pipeline gives exactly
the contract's expected answer (NULL included).

    python -m customer_usage.docs_gen.accuracy --scale small        # generate, build, score
    python -m customer_usage.docs_gen.accuracy --duckdb W --truth T  # score an existing build
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

# Each check: the truth file, the pipeline query (id, predicted) and the truth columns
# (id, true value, expected value).
CHECKS = {
    "account_resolution": (
        "billing_accounts",
        "select dim_billing_account_id as id, dim_crm_account_id as predicted from marts.dim_billing_account",
        "billing_account_id", "true_crm_account_id", "expected_crm_account_id",
    ),
    "license_to_subscription": (
        "licenses",
        "select cast(dim_license_id as varchar) as id, dim_subscription_id as predicted from marts.dim_license",
        "cast(license_id as varchar)", "true_subscription_id",
        "case when is_valid then zuora_subscription_id end",
    ),
    "ping_to_subscription": (
        "pings",
        "select cast(dim_ping_id as varchar) as id, dim_subscription_id_original as predicted "
        "from intermediate.int_ping_subscription",
        "cast(usage_data_id as varchar)", "true_original_id", "expected_original_id",
    ),
    "surviving_crm_account": (
        "crm_accounts",
        "select crm_account_id as id, surviving_crm_account_id as predicted from intermediate.map_crm_account_merge",
        "crm_account_id", "surviving_crm_account_id", "surviving_crm_account_id",
    ),
    "ultimate_parent_crm_account": (
        "crm_accounts",
        "select dim_crm_account_id as id, dim_parent_crm_account_id as predicted from marts.dim_crm_account",
        "crm_account_id", "case when not is_merged then ultimate_parent_crm_account_id end",
        "case when not is_merged then ultimate_parent_crm_account_id end",
    ),
    "ultimate_parent_namespace": (
        "namespaces",
        "select cast(dim_namespace_id as varchar) as id, cast(ultimate_parent_namespace_id as varchar) as predicted "
        "from marts.dim_namespace",
        "cast(namespace_id as varchar)", "cast(ultimate_parent_namespace_id as varchar)",
        "cast(ultimate_parent_namespace_id as varchar)",
    ),
    "latest_active_version": (
        "subscriptions",
        "select dim_subscription_id_original as id, dim_subscription_id as predicted from intermediate.int_subscription_lineage",
        "original_id", "latest_subscription_id", "latest_subscription_id",
    ),
    "order_match_status": (
        "orders",
        "select cast(order_id as varchar) as id, match_status as predicted "
        "from marts.bdg_namespace_order_subscription where order_id is not null",
        "cast(order_id as varchar)", "expected_match_status", "expected_match_status",
    ),
}


@dataclass
class Score:
    check: str
    rows: int
    true_links: int
    predicted_links: int
    correct_links: int
    precision: float
    recall: float
    recoverable: float
    exact: float


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def score(duckdb_path: Path, truth_dir: Path) -> list[Score]:
    out = []
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        for name, (file, predicted_sql, id_col, true_col, expected_col) in CHECKS.items():
            truth = truth_dir / f"{file}.parquet"
            row = con.execute(f"""
                with truth as (
                    select {id_col} as id, {true_col} as truth, {expected_col} as expected
                    from read_parquet('{truth}')
                ),
                predicted as ({predicted_sql})
                select
                    count(*) as n,
                    count(truth.truth) as true_links,
                    count(predicted.predicted) as predicted_links,
                    count(case when predicted.predicted = truth.truth then 1 end) as correct,
                    count(truth.expected) as recoverable,
                    count(case when predicted.predicted is not distinct from truth.expected then 1 end) as exact
                from truth
                left join predicted on predicted.id = truth.id
            """).fetchone()
            n, true_links, predicted_links, correct, recoverable, exact = row
            out.append(Score(
                check=name, rows=n, true_links=true_links, predicted_links=predicted_links, correct_links=correct,
                precision=_ratio(correct, predicted_links), recall=_ratio(correct, true_links),
                recoverable=_ratio(recoverable, true_links), exact=_ratio(exact, n),
            ))
    return out


def generate_and_build(work_dir: Path, scale: str, seed: int | None = None) -> tuple[Path, Path]:
    """Generator landing folder + ground truth, built into a scratch warehouse."""
    import subprocess

    from customer_usage.docs_gen.build import build_warehouse
    from customer_usage.settings import PROJECT_ROOT

    landing = work_dir / "landing"
    cmd = [sys.executable, "-m", "customer_usage.cli", "generate", "--scale", scale, "--out", str(landing),
           "--truth-dir", str(work_dir / "ground_truth")]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"customer-usage generate failed:\n{proc.stderr[-3000:]}")
    return build_warehouse(landing, work_dir / "build"), work_dir / "ground_truth"


def format_scores(scores: list[Score]) -> str:
    head = f"{'check':30} {'rows':>8} {'precision':>10} {'recall':>8} {'recoverable':>12} {'exact':>8}"
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(f"{s.check:30} {s.rows:>8,} {s.precision:>10.4%} {s.recall:>8.2%} {s.recoverable:>12.2%} {s.exact:>8.2%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--duckdb", type=Path)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.duckdb:
        scores = score(args.duckdb, args.truth or args.duckdb.parent.parent / "ground_truth")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            scores = score(*generate_and_build(Path(tmp), args.scale, args.seed))
    print(json.dumps([asdict(s) for s in scores], indent=2) if args.json else format_scores(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
