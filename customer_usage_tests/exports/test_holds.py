"""Which exports a broken join holds back (customer_usage/exports/holds.py)."""

from __future__ import annotations

import dagster as dg

from customer_usage.checks.coverage import CoverageResult, measure
from customer_usage.checks.definitions import evaluate
from customer_usage.checks.thresholds import Threshold, load_thresholds
from customer_usage.exports import holds

THRESHOLD = Threshold(warn=0.95, error=0.5, min_sample=5)


def test_status_bands():
    assert holds.status(19, 20, THRESHOLD) == holds.OK
    assert holds.status(15, 20, THRESHOLD) == holds.WARN
    assert holds.status(2, 20, THRESHOLD) == holds.HOLD
    assert holds.status(0, 4, THRESHOLD) == holds.SMALL_SAMPLE  # 0 % of a handful of rows
    assert holds.status(0, 5, THRESHOLD) == holds.HOLD  # min_sample rows are enough
    assert holds.status(0, 0, THRESHOLD) == holds.OK  # nothing to cover


def test_a_measure_over_fewer_rows_than_min_sample_never_holds_anything_back():
    thresholds = {m: THRESHOLD for m in holds.EXPORT_MEASURES[holds.SALESFORCE]}
    counts = {m: (0, 4) for m in thresholds}  # every join 0 %, each over 4 rows
    for export in holds.EXPORT_MEASURES:
        assert holds.holds(export, counts, thresholds) == []
    result = evaluate(CoverageResult(measure("pings_with_known_license"), 0, 4, []), THRESHOLD)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert "fewer than min_sample 5" in result.description and "holds nothing back" in result.description


def test_a_hold_names_export_measure_value_and_threshold_and_only_dependent_exports():
    thresholds = {"billing_accounts_with_crm_account": THRESHOLD}
    counts = {"billing_accounts_with_crm_account": (1, 7)}
    (hold,) = holds.holds(holds.SALESFORCE, counts, thresholds)
    assert hold.message == ("salesforce_account_usage held back: billing_accounts_with_crm_account = 14.3% (1/7) "
                            "is below its error threshold 50%")
    assert holds.holds(holds.GAINSIGHT, counts, thresholds) == []  # Gainsight does not key on CRM accounts
    result = evaluate(CoverageResult(measure("billing_accounts_with_crm_account"), 1, 7, []), THRESHOLD)
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert "holds back salesforce_account_usage" in result.description
    assert result.metadata[holds.HOLDS_BACK].value == ["salesforce_account_usage"]


def test_every_export_measure_is_a_coverage_measure_and_min_sample_is_configurable(tmp_path):
    from customer_usage.checks.coverage import MEASURES

    names = {m.name for m in MEASURES}
    for measures in holds.EXPORT_MEASURES.values():
        assert set(measures) <= names
    path = tmp_path / "t.yml"
    path.write_text("defaults: {warn: 0.9, error: 0.5, min_sample: 50}\n")
    assert {t.min_sample for t in load_thresholds(path, measures=sorted(names)).values()} == {50}


def test_the_paragraph_and_exit_code():
    assert holds.paragraph([]) == ""
    text = holds.paragraph(["salesforce_account_usage held back: x"])
    assert text.startswith("EXPORTS HELD BACK") and "salesforce_account_usage held back: x" in text
    assert holds.EXIT_EXPORTS_HELD == 3
