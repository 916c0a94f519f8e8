"""One line per dbt step for the run's log: how dbt parsed, and what it ran.

Read from the step's own target folder before it is removed: dbt's JSON log
(`dbt.log`, which dagster-dbt writes there) says whether partial parsing held
(a changed profile or `--vars` makes dbt re-parse the whole project, 10-30 s) and
how long dbt took from start-up to a parsed project; `run_results.json` counts the
models and tests dbt executed. The benchmark (benchmarks/bench_pipeline.py) sums
these lines over a run: full re-parses, parse seconds, tests run vs plain `dbt build`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = "dbt step:"
LINE = re.compile(
    PREFIX + r" (?P<parse>full|partial) parse(?: \((?P<reason>.*?)\))?, start-up and parse (?P<parse_s>[\d.]+) s; "
    r"ran (?P<models>\d+) models, (?P<tests>\d+) tests"
)


@dataclass(frozen=True)
class StepReport:
    full_parse: bool
    reason: str
    parse_s: float
    models: int
    tests: int

    def line(self) -> str:
        parse = f"full parse ({self.reason})" if self.full_parse else "partial parse"
        return f"{PREFIX} {parse}, start-up and parse {self.parse_s:.1f} s; ran {self.models} models, {self.tests} tests"


def _events(log: Path):
    if not log.exists():
        return
    for text in log.read_text(errors="replace").splitlines():
        try:
            info = json.loads(text).get("info", {})
        except ValueError:
            continue  # a text line (another log format): nothing to read
        yield info.get("name", ""), info.get("msg", ""), info.get("ts", "")


def _time(ts: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_step(target_path: Path, log_path: Path | None = None) -> StepReport | None:
    """The report of the dbt invocation that wrote `target_path` (and its JSON `dbt.log` in
    `log_path`, by default the same folder, as dagster-dbt runs it), or None without its log."""
    started = parsed = None
    reasons = []
    for name, msg, ts in _events((log_path or target_path) / "dbt.log"):
        if name == "MainReportVersion" and started is None:
            started = _time(ts)
        elif name == "UnableToPartialParse":
            reasons.append(msg.removeprefix("Unable to do partial parsing because ").strip())
        elif name == "FoundStats" and parsed is None:
            parsed = _time(ts)
    if started is None:
        return None
    results = target_path / "run_results.json"
    kinds: dict[str, int] = {}
    try:
        executed = json.loads(results.read_text()).get("results", []) if results.exists() else []
    except ValueError:  # cut short (dbt killed): no counts rather than no report
        executed = []
    for result in executed:
        kind = result.get("unique_id", "").split(".", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return StepReport(
        full_parse=bool(reasons), reason="; ".join(reasons),
        parse_s=(parsed - started).total_seconds() if parsed else 0.0,
        models=kinds.get("model", 0), tests=kinds.get("test", 0),
    )


def parse_line(message: str) -> dict | None:
    """The fields of a `StepReport.line()` found in a log message (for the benchmark)."""
    match = LINE.search(message or "")
    if not match:
        return None
    return {"full_parse": match["parse"] == "full", "parse_s": float(match["parse_s"]),
            "models": int(match["models"]), "tests": int(match["tests"])}
