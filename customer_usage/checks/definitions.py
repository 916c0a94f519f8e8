"""Key-coverage checks: one asset check per measure of data-contract §4.

Each check sits on the table whose rows form the measure's denominator and
depends on the other tables it reads (`additional_deps`), so in a run it waits
for all of them. Coverage below `warn` gives a WARN; below `error` an ERROR that
names the exports it holds back. The checks are NOT blocking: checks guard what
leaves, not what is learned, so the model and `rpt_integration_coverage` build
on a broken join (they show it), and the export assets hold themselves back
(`customer_usage/exports/holds.py`). Over fewer rows than `min_sample` a low
coverage is only a WARN.
"""

import dagster as dg

from customer_usage.checks.coverage import MEASURES, Measure, compute, missing_tables
from customer_usage.checks.thresholds import Threshold, load_thresholds
from customer_usage.exports import holds
from customer_usage.settings import Settings
from customer_usage.warehouse import WarehouseResource


def evaluate(result, threshold: Threshold) -> dg.AssetCheckResult:
    m = result.measure
    coverage = result.coverage
    metadata = {
        "integration": m.integration,
        "measure": m.name,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "coverage": dg.MetadataValue.float(round(coverage, 6)) if coverage is not None else dg.MetadataValue.null(),
        "warn_below": threshold.warn,
        "error_below": threshold.error,
        "min_sample": threshold.min_sample,
        "sample_unmatched_keys": result.sample_unmatched,
        "definition": m.description,
    }
    if coverage is None:
        return dg.AssetCheckResult(passed=True, metadata=metadata,
                                   description=f"{m.name}: empty denominator, nothing to cover")
    text = f"{m.name}: {result.numerator}/{result.denominator} = {coverage:.1%}"
    state = holds.status(result.numerator, result.denominator, threshold)
    if state == holds.HOLD:
        held = holds.exports_depending_on(m.name)
        metadata[holds.HOLDS_BACK] = held
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata,
            description=f"{text}, below the error threshold {threshold.error:.0%}: holds back "
            f"{', '.join(held) or 'no export'} (the model and rpt_integration_coverage still build)",
        )
    if state == holds.SMALL_SAMPLE:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
            description=f"{text}, below the error threshold {threshold.error:.0%} but over only "
            f"{result.denominator} rows (fewer than min_sample {threshold.min_sample}): holds nothing back",
        )
    if state == holds.WARN:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=metadata,
            description=f"{text}, below the warn threshold {threshold.warn:.0%}",
        )
    return dg.AssetCheckResult(passed=True, metadata=metadata, description=text)


def build_coverage_check(m: Measure, threshold: Threshold) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(m.asset)),
        name=f"coverage_{m.name}",
        blocking=False,
        additional_deps=[dg.AssetKey(list(t)) for t in m.tables[1:]],
        description=f"{m.integration}: {m.description} (warn < {threshold.warn}, error < {threshold.error})",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as wh:
            missing = missing_tables(wh, m)
            if missing:
                return dg.AssetCheckResult(
                    passed=False, severity=dg.AssetCheckSeverity.WARN,
                    metadata={"missing_tables": missing},
                    description=f"{m.name} not computed: {', '.join(missing)} not loaded yet",
                )
            return evaluate(compute(wh, m), threshold)

    return _check


def build_check_defs(settings: Settings) -> dg.Definitions:
    thresholds = load_thresholds(measures=[m.name for m in MEASURES], settings=settings)
    return dg.Definitions(asset_checks=[build_coverage_check(m, thresholds[m.name]) for m in MEASURES])
