"""Which exports a broken join holds back, and the words that say so.

Checks guard what leaves, not what is learned (data-contract §1): a key-coverage
measure below its `error` threshold never stops the model or
`rpt_integration_coverage` from building; it holds back the exports that depend
on that join. This module is the one owner of that rule: the coverage checks,
the export assets, the export sensor and `customer-usage run` all ask it.

A measure over fewer rows than its `min_sample` never holds anything back (WARN).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from customer_usage.checks.thresholds import Threshold

SALESFORCE = "salesforce_account_usage"
GAINSIGHT = "gainsight_subscription_usage"

# The joins each export's rows are built on. Salesforce rows are keyed by CRM
# account, so they also need Zuora -> Salesforce; Gainsight rows are keyed by mart
# row (the account is only an attribute there). Neither depends on
# customers_with_zuora_account (dim_customer) or sm_orders_with_license (roadmap).
_MART_JOINS = (
    "pings_with_known_license",
    "pings_mapped_to_subscription",
    "licenses_with_valid_subscription",
    "saas_orders_with_valid_namespace",
    "paid_namespaces_with_order",
    "orders_with_zuora_subscription",
)
EXPORT_MEASURES: dict[str, tuple[str, ...]] = {
    SALESFORCE: (*_MART_JOINS, "billing_accounts_with_crm_account"),
    GAINSIGHT: _MART_JOINS,
}

# metadata keys (check results and the export assets' observations)
HOLDS_BACK = "holds_back"
HELD_BACK = "held_back"

# `customer-usage run` exit code when everything built but an export was held back
EXIT_EXPORTS_HELD = 3

OK, WARN, SMALL_SAMPLE, HOLD = "ok", "warn", "small_sample", "hold"


def status(numerator: int, denominator: int, threshold: Threshold) -> str:
    """ok / warn (below warn) / small_sample (too few rows to judge) / hold (below error)."""
    if not denominator:
        return OK
    coverage = numerator / denominator
    if coverage >= threshold.warn:
        return OK
    if coverage >= threshold.error:
        return WARN
    return SMALL_SAMPLE if denominator < threshold.min_sample else HOLD


def exports_depending_on(measure: str) -> list[str]:
    return [export for export, measures in EXPORT_MEASURES.items() if measure in measures]


@dataclass(frozen=True)
class Hold:
    export: str
    measure: str
    numerator: int
    denominator: int
    error_below: float

    @property
    def message(self) -> str:
        return (
            f"{self.export} held back: {self.measure} = {self.numerator / self.denominator:.1%} "
            f"({self.numerator}/{self.denominator}) is below its error threshold {self.error_below:.0%}"
        )


def holds(export: str, counts: Mapping[str, tuple[int, int]], thresholds: Mapping[str, Threshold]) -> list[Hold]:
    """The holds on `export` given each measure's (numerator, denominator)."""
    out = []
    for name in EXPORT_MEASURES.get(export, ()):
        if name not in counts or name not in thresholds:
            continue
        numerator, denominator = counts[name]
        threshold = thresholds[name]
        if status(numerator, denominator, threshold) == HOLD:
            out.append(Hold(export, name, numerator, denominator, threshold.error))
    return out


def holds_in_warehouse(wh, export: str, thresholds: Mapping[str, Threshold]) -> list[Hold]:
    """Measures `export` depends on, computed on the warehouse as it is now."""
    from customer_usage.checks.coverage import compute, measure, missing_tables

    counts = {}
    for name in EXPORT_MEASURES.get(export, ()):
        m = measure(name)
        if missing_tables(wh, m):
            continue
        result = compute(wh, m)
        counts[name] = (result.numerator, result.denominator)
    return holds(export, counts, thresholds)


def messages_in_events(events: Iterable) -> list[str]:
    """The hold messages the export assets recorded in a run (its Dagster events)."""
    found = []
    for event in events:
        if not getattr(event, "is_asset_observation", False):
            continue
        observation = event.event_specific_data.asset_observation
        value = observation.metadata.get(HELD_BACK)
        if value is not None:
            found.extend(str(value.value).splitlines())
    return found


def paragraph(messages: list[str]) -> str:
    """The run's closing paragraph about held exports ('' when nothing was held)."""
    if not messages:
        return ""
    lines = [
        "EXPORTS HELD BACK: the model, the mart and rpt_integration_coverage were built, but a key join "
        "is below its error threshold, so the exports that depend on it were not sent (nor written to "
        "the outbox):",
        *[f"  - {m}" for m in messages],
        "See marts.rpt_integration_coverage for the numbers. Fix the extract (or adjust "
        "customer_usage/checks/coverage_thresholds.yml / CUSTOMER_USAGE_COVERAGE_THRESHOLDS) and run again; "
        f"exit code {EXIT_EXPORTS_HELD} means 'built, exports held'.",
    ]
    return "\n".join(lines)


def holds_from_latest_checks(instance) -> list[Hold]:
    """Holds read from the latest result of each coverage check in the Dagster instance.

    For the export sensor: it cannot open the warehouse (a run may be writing it),
    but the coverage checks recorded numerator, denominator and threshold.
    """
    import dagster as dg

    from customer_usage.checks.coverage import MEASURES

    found = []
    for m in MEASURES:
        record = instance.get_latest_asset_check_evaluation_record(
            dg.AssetCheckKey(dg.AssetKey(list(m.asset)), f"coverage_{m.name}")
        )
        event = record.event if record is not None else None
        evaluation = event.dagster_event.event_specific_data if event and event.dagster_event else None
        metadata = getattr(evaluation, "metadata", None) or {}
        if HOLDS_BACK not in metadata or getattr(evaluation, "passed", True):
            continue
        numerator, denominator = metadata["numerator"].value, metadata["denominator"].value
        for export in metadata[HOLDS_BACK].value:
            found.append(Hold(export, m.name, int(numerator), int(denominator), float(metadata["error_below"].value)))
    return found


def held_exports_notices(settings, instance, run_id: str) -> list:
    """The run summary's paragraph about held exports (a `run_report.Notice`; exit code 3)."""
    from customer_usage.run_report import Notice

    events = [entry.dagster_event for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    messages = messages_in_events(events)
    if not messages:
        return []
    first, *rest = paragraph(messages).splitlines()
    return [Notice(title=first, lines=[line.strip() for line in rest], exit_code=EXIT_EXPORTS_HELD)]
