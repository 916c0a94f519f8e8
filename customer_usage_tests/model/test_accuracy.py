"""Stitching accuracy against the generator's ground truth (scale `small` by default).

Precision must be >= 99.9%; recall must equal the share the injected defects leave
recoverable, and every row must get exactly the contract's expected answer.
`python -m customer_usage.docs_gen.accuracy --scale small` prints the same numbers.
"""

from __future__ import annotations

import os

import pytest

from customer_usage.docs_gen.accuracy import format_scores, generate_and_build, score

SCALE = os.environ.get("CUSTOMER_USAGE_ACCURACY_SCALE", "small")


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    warehouse, truth = generate_and_build(tmp_path_factory.mktemp(f"accuracy_{SCALE}"), SCALE)
    result = {s.check: s for s in score(warehouse, truth)}
    print(format_scores(list(result.values())))
    return result


@pytest.mark.parametrize("check", ["account_resolution", "license_to_subscription", "ping_to_subscription",
                                   "surviving_crm_account", "ultimate_parent_crm_account",
                                   "ultimate_parent_namespace", "latest_active_version", "order_match_status"])
def test_accuracy(scores, check):
    s = scores[check]
    assert s.rows > 0 and s.true_links > 0
    assert s.precision >= 0.999, f"{check}: precision {s.precision:.4%}"
    assert s.recall >= s.recoverable - 0.001, f"{check}: recall {s.recall:.2%} below recoverable {s.recoverable:.2%}"
    assert s.exact >= 0.999, f"{check}: only {s.exact:.2%} of rows match the contract's expected answer"


def test_defects_make_some_links_unrecoverable(scores):
    """The floor is meaningful: the generator injects defects, so recall is below 100% where expected."""
    assert scores["account_resolution"].recoverable < 1.0
    assert scores["ping_to_subscription"].recoverable < 1.0
