"""What a person reads after `customer-usage run`: phases, quarantine, warnings, failures.

Everything here is computed from the run's event log (the same record the UI
shows), so the summary and the UI never disagree. Phases: `load` (source
assets), `validate` (asset checks: contracts, coverage, dbt tests), `model` (dbt
and catalog assets), `export` (the `exports` group). A failure is repeated at
the end in one or two lines, each with what to do.

Other parts of the platform add paragraphs through `RunSummary.notices` (a
`Notice` may also fail the run, e.g. exports held back by a coverage check).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import dagster as dg
from dagster import DagsterEventType

from customer_usage.sources.contract import SYSTEMS

PHASES = ("load", "validate", "model", "export")
MAX_WARNING_KINDS = 6
MAX_QUARANTINE_TABLES = 8
MAX_FAILURES = 6
_CHECK_STEP = re.compile(r"_(contract|no_future_timestamps)$|_coverage_")
_QUARANTINE_WARNING = re.compile(r"rows quarantined in quarantine\.")


@dataclass
class Notice:
    """A paragraph of the summary; `fails_run` turns the exit code to 1, `exit_code` sets it
    for a run that otherwise succeeded (3: built, exports held back)."""

    title: str
    lines: list[str] = field(default_factory=list)
    fails_run: bool = False
    exit_code: int = 0


@dataclass
class PhaseStats:
    steps: int = 0
    assets: set = field(default_factory=set)
    first: float | None = None
    last: float | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_sent: int = 0
    checks: Counter = field(default_factory=Counter)

    def seen(self, timestamp: float) -> None:
        self.first = timestamp if self.first is None else min(self.first, timestamp)
        self.last = timestamp if self.last is None else max(self.last, timestamp)

    @property
    def seconds(self) -> float:
        return (self.last - self.first) if self.first is not None else 0.0


@dataclass
class RunSummary:
    run_id: str
    success: bool
    seconds: float
    phases: dict[str, PhaseStats]
    quarantine: dict[str, tuple[int, int, dict]]  # table -> (quarantined, read, reasons)
    warnings: Counter
    failures: list[str]
    skipped_steps: int
    notices: list[Notice] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if not self.success or any(n.fails_run for n in self.notices):
            return 1
        return max((n.exit_code for n in self.notices), default=0)


def phase_of_asset(key: dg.AssetKey, group: str | None) -> str:
    if group in SYSTEMS or (key.path and key.path[0] in SYSTEMS and len(key.path) == 2 and group is None):
        return "load"
    if group == "exports":
        return "export"
    return "model"


def _normalise(message: str) -> str:
    """A warning's kind: its first line with numbers and quoted values masked."""
    first = message.strip().splitlines()[0] if message.strip() else message
    first = re.sub(r"'[^']*'", "'…'", first)
    first = re.sub(r"`[^`]*`", "`…`", first)
    first = re.sub(r"\b\w+(\.\w+){2,}\b", "<node>", first)  # dbt node ids: model.project.name
    first = re.sub(r"\b\d[\d,.]*\b", "N", first)
    return first[:140]


def _metadata_value(entry) -> object:
    return getattr(entry, "value", entry)


def _failure_line(event) -> str:
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    text = getattr(user, "description", None) if user else None
    if not text and getattr(data, "error", None) is not None:
        error = data.error
        while getattr(error, "cause", None) is not None and error.cls_name in ("DagsterExecutionStepExecutionError",):
            error = error.cause
        text = error.message.strip().splitlines()[-1] if error.message.strip() else error.cls_name
        text = f"{error.cls_name}: {text}" if error.cls_name and not text.startswith(error.cls_name) else text
    return re.sub(r"\s+", " ", text or "failed (no message)")[:300]


def _what_to_do(step_key: str, phase: str) -> str:
    if phase == "load":
        return "fix the named file (or remove it if the table is optional), then run again"
    if phase == "export":
        return "see the export's error in the log; the warehouse and marts are built"
    return f"search the log for '{step_key}' for the full error; fix it, then run again"


def summarize_run(instance: dg.DagsterInstance, run_id: str, asset_graph, seconds: float,
                  success: bool) -> RunSummary:
    phases = {p: PhaseStats() for p in PHASES}
    quarantine: dict[str, tuple[int, int, dict]] = {}
    warnings: Counter = Counter()
    failures: list[str] = []
    step_phase: dict[str, str] = {}
    skipped = 0

    def group(key: dg.AssetKey) -> str | None:
        try:
            return asset_graph.get(key).group_name
        except Exception:  # noqa: BLE001 - a key outside the graph (should not happen)
            return None

    entries = instance.all_logs(run_id)
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            if entry.level >= 30 and entry.user_message and not _QUARANTINE_WARNING.search(entry.user_message):
                warnings[_normalise(entry.user_message)] += 1
            continue
        kind = event.event_type
        if kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key
            phase = phase_of_asset(key, group(key))
            if event.step_key:
                step_phase[event.step_key] = phase
            stats = phases[phase]
            stats.assets.add(key)
            stats.seen(entry.timestamp)
            meta = {k: _metadata_value(v) for k, v in materialization.metadata.items()}
            if phase == "load":
                stats.rows_loaded += int(meta.get("rows_loaded") or 0)
                q, read = int(meta.get("rows_quarantined") or 0), int(meta.get("rows_read") or 0)
                stats.rows_quarantined += q
                if q:
                    quarantine[key.to_user_string().replace("/", ".")] = (q, read, meta.get("rejections_by_rule") or {})
            elif phase == "export":
                stats.rows_sent += int(meta.get("rows_sent") or meta.get("dagster/row_count") or 0)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            stats = phases["validate"]
            stats.seen(entry.timestamp)
            if data.passed:
                stats.checks["passed"] += 1
            elif data.severity == dg.AssetCheckSeverity.WARN:
                stats.checks["warned"] += 1
            else:
                stats.checks["failed"] += 1
                target = f"{data.asset_key.to_user_string()} check {data.check_name}"
                description = re.sub(r"\s+", " ", (data.description or "").strip() or "failed")[:240]
                failures.append(f"{target}: {description} → what depends on it was not built; "
                                "see the check in the UI")
        elif kind == DagsterEventType.STEP_SUCCESS:
            phase = step_phase.get(event.step_key)
            if phase:
                phases[phase].steps += 1
                phases[phase].seen(entry.timestamp)
        elif kind == DagsterEventType.STEP_FAILURE:
            phase = step_phase.get(event.step_key) or phase_of_step(event.step_key)
            failures.append(f"{event.step_key}: {_failure_line(event)} → {_what_to_do(event.step_key, phase)}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            skipped += 1
    return RunSummary(run_id, success, seconds, phases, quarantine, warnings, failures, skipped)


def phase_of_step(step_key: str) -> str:
    """The phase of a step from its key alone (before its events say which assets it made)."""
    if _CHECK_STEP.search(step_key):
        return "validate"
    head = step_key.split("__")[0]
    return "load" if head in SYSTEMS else ("export" if "export" in step_key else "model")


def render(summary: RunSummary, marts: list[tuple[str, int]], where: list[str]) -> list[str]:
    """The summary as lines of text (kept short: the demo fits in about 60 lines)."""
    p = summary.phases
    status = {0: "succeeded"}.get(summary.exit_code, "FAILED" if summary.exit_code == 1 else
                                  "built the model; some exports HELD BACK (see below)")
    lines = ["", f"Run {summary.run_id[:8]} {status} in {summary.seconds:.0f} s"]
    load, validate, model, export = p["load"], p["validate"], p["model"], p["export"]
    lines.append(f"  load      {len(load.assets):>3} tables      {load.rows_loaded:>12,} rows loaded, "
                 f"{load.rows_quarantined:,} quarantined   {load.seconds:5.0f} s")
    checks = validate.checks
    lines.append(f"  validate  {sum(checks.values()):>3} checks      {checks['passed']} passed, "
                 f"{checks['warned']} warned, {checks['failed']} failed")
    lines.append(f"  model     {len(model.assets):>3} assets      {model.steps} steps{'':21}{model.seconds:5.0f} s")
    lines.append(f"  export    {len(export.assets):>3} exports     {export.rows_sent:>12,} rows sent"
                 f"{'':14}{export.seconds:5.0f} s")
    if summary.quarantine:
        total = sum(q for q, _, _ in summary.quarantine.values())
        lines.append(f"Quarantine: {total:,} rejected rows in {len(summary.quarantine)} tables "
                     "(schema quarantine, column _rejection_reason):")
        for table, (q, read, reasons) in sorted(summary.quarantine.items(), key=lambda kv: -kv[1][0])[
                :MAX_QUARANTINE_TABLES]:
            top = "; ".join(f"{r} ({n})" for r, n in list(reasons.items())[:2])
            lines.append(f"  {table:<32} {q:>5} of {read:>9,}  {top[:110]}")
        if len(summary.quarantine) > MAX_QUARANTINE_TABLES:
            lines.append(f"  ... and {len(summary.quarantine) - MAX_QUARANTINE_TABLES} more tables")
    if summary.warnings:
        lines.append(f"Warnings: {sum(summary.warnings.values())} in {len(summary.warnings)} kinds "
                     "(each in the log and the UI):")
        for message, count in summary.warnings.most_common(MAX_WARNING_KINDS):
            lines.append(f"  {count:>3}× {message[:120]}")
        if len(summary.warnings) > MAX_WARNING_KINDS:
            lines.append(f"  ... and {len(summary.warnings) - MAX_WARNING_KINDS} more kinds")
    for notice in summary.notices:
        lines.append(notice.title)
        lines.extend(f"  {line}" for line in notice.lines)
    if marts:
        lines.append("Marts:")
        lines.extend(f"  {name:<52} {rows:>10,} rows" for name, rows in marts)
    lines.extend(where)
    if summary.failures or summary.exit_code == 1:
        lines.append("")
        lines.append(f"FAILED: {len(summary.failures)} problem(s)"
                     + (f"; {summary.skipped_steps} dependent steps not run" if summary.skipped_steps else ""))
        for number, failure in enumerate(summary.failures[:MAX_FAILURES], 1):
            lines.append(f"  {number}. {failure}")
        if len(summary.failures) > MAX_FAILURES:
            lines.append(f"  ... and {len(summary.failures) - MAX_FAILURES} more (see the log)")
        for notice in summary.notices:
            if notice.fails_run:
                lines.append(f"  - {notice.title}")
    return lines
