"""Score the mappings of `mappings.MAPPINGS` on a finished warehouse against ground truth.

Per mapping, over the truth's rows:
- precision = correct links / links the pipeline made (correct: equal to the truth);
- recall = correct links / true links;
- recoverable = the recall the injected defects leave possible: true links whose
  contract-expected value (from the landing data) equals the truth, / true links;
- exact = rows where the pipeline gives exactly the contract's expected answer (NULL too).
A perfect implementation has precision 1.0, recall = recoverable and exact 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import duckdb

from customer_usage.accuracy.mappings import MAPPINGS, Mapping


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


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _define_views(con: duckdb.DuckDBPyConnection, truth_dir: Path, landing_dir: Path | None) -> None:
    """`truth_<file>` per truth Parquet file, `landing_<system>__<table>` per landing table."""
    for path in sorted(truth_dir.glob("*.parquet")):
        con.execute(f"create or replace temp view truth_{path.stem} as select * from read_parquet('{_sql_path(path)}')")
    if landing_dir is None:
        return
    for path in sorted(landing_dir.glob("*/*")):
        reader = {".parquet": "read_parquet", ".csv": "read_csv_auto"}.get(path.suffix)
        if reader:
            name = f"landing_{path.parent.name}__{path.stem}"
            con.execute(f"create or replace temp view {name} as select * from {reader}('{_sql_path(path)}')")


def score_mapping(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> Score:
    n, true_links, predicted_links, correct, recoverable, exact = con.execute(f"""
        with truth as ({mapping.truth_sql}),
        predicted as ({mapping.predicted_sql})
        select
            count(*),
            count(truth.truth),
            count(predicted.predicted),
            count(case when predicted.predicted = truth.truth then 1 end),
            count(case when truth.expected = truth.truth then 1 end),
            count(case when predicted.predicted is not distinct from truth.expected then 1 end)
        from truth
        left join predicted on predicted.id = truth.id
    """).fetchone()
    return Score(
        check=mapping.name, rows=n, true_links=true_links, predicted_links=predicted_links, correct_links=correct,
        precision=_ratio(correct, predicted_links), recall=_ratio(correct, true_links),
        recoverable=_ratio(recoverable, true_links), exact=_ratio(exact, n),
    )


def score(duckdb_path: Path, truth_dir: Path, landing_dir: Path | None = None,
          mappings: Sequence[Mapping] = MAPPINGS) -> list[Score]:
    """Every mapping's score. Without `landing_dir`, the truth folder's sibling `landing`
    is used when it exists (mappings that need landing tables fail without it)."""
    truth_dir = Path(truth_dir)
    if landing_dir is None and (truth_dir.parent / "landing").is_dir():
        landing_dir = truth_dir.parent / "landing"
    if not truth_dir.is_dir():
        raise ValueError(f"ground-truth folder {truth_dir} does not exist")
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        _define_views(con, truth_dir, landing_dir)
        return [score_mapping(con, m) for m in mappings]


def generate_and_build(work_dir: Path, scale: str, seed: int | None = None) -> tuple[Path, Path]:
    """Generator landing folder + ground truth, built into a scratch warehouse."""
    import subprocess
    import sys

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


def format_scores(scores: Sequence[Score]) -> str:
    head = (f"{'mapping':28} {'rows':>8} {'true':>8} {'made':>8} {'correct':>8} "
            f"{'precision':>10} {'recall':>8} {'recoverable':>12} {'exact':>8}")
    lines = [head, "-" * len(head)]
    for s in scores:
        lines.append(
            f"{s.check:28} {s.rows:>8,} {s.true_links:>8,} {s.predicted_links:>8,} {s.correct_links:>8,} "
            f"{s.precision:>10.2%} {s.recall:>8.2%} {s.recoverable:>12.2%} {s.exact:>8.2%}"
        )
    return "\n".join(lines)
