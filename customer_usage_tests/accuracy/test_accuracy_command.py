"""`customer-usage accuracy` on the demo data set: every mapping has precision 1.0, and
recall equal to what the injected defects leave recoverable (computed from the ground
truth, per mapping: true links whose contract-expected value is the truth)."""

from __future__ import annotations

import contextlib
import io
import json

import duckdb
import pytest

from customer_usage.accuracy.mappings import MAPPINGS, Mapping
from customer_usage.accuracy.scoring import format_scores, score
from customer_usage.cli import main

REQUIRED = {"account_resolution", "license_to_subscription", "ping_to_subscription", "bridge_status",
            "namespace_customer_type", "installation_customer_type"}


@pytest.fixture(scope="module")
def scores(demo_build):
    landing, truth, warehouse = demo_build
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["accuracy", "--landing", str(landing), "--truth", str(truth), "--warehouse", str(warehouse),
                     "--json"])
    assert code == 0
    print(format_scores(score(warehouse, truth, landing)))
    return {s["check"]: s for s in json.loads(out.getvalue())}


def test_every_required_mapping_is_scored(scores):
    assert REQUIRED <= set(scores)
    assert [m.name for m in MAPPINGS] == list(scores)


@pytest.mark.parametrize("mapping", [m.name for m in MAPPINGS])
def test_precision_is_one_and_recall_is_what_defects_leave_recoverable(scores, mapping):
    s = scores[mapping]
    assert s["rows"] > 0 and s["true_links"] > 0, f"{mapping}: nothing to score"
    assert s["precision"] == 1.0, f"{mapping}: precision {s['precision']:.4%}"
    assert s["recall"] == pytest.approx(s["recoverable"]), f"{mapping}: recall {s['recall']:.2%}"
    assert s["exact"] == 1.0, f"{mapping}: {s['exact']:.2%} of rows give the contract's expected answer"


def test_recoverable_recall_comes_from_the_ground_truth(demo_build, scores):
    """The expected recall is recomputed here from the truth files, independently of the scorer."""
    _, truth, _ = demo_build
    with duckdb.connect() as con:
        accounts = con.execute(
            f"select count(*) filter (where expected_crm_account_id = true_crm_account_id), count(true_crm_account_id) "
            f"from read_parquet('{truth / 'billing_accounts.parquet'}')").fetchone()
        pings = con.execute(
            f"select count(*) filter (where expected_original_id = true_original_id), count(true_original_id) "
            f"from read_parquet('{truth / 'pings.parquet'}')").fetchone()
    assert scores["account_resolution"]["recall"] == pytest.approx(accounts[0] / accounts[1])
    assert scores["ping_to_subscription"]["recall"] == pytest.approx(pings[0] / pings[1])
    # the defects make some links unrecoverable, so the bound is meaningful
    assert accounts[0] < accounts[1] and pings[0] < pings[1]


def test_a_new_mapping_is_one_registry_entry(demo_build):
    """E.g. the primary installation of data-contract §6, added later: scored like the others."""
    landing, truth, warehouse = demo_build
    extra = Mapping(
        "installation_first_ping", "installation -> its first ping time",
        "select uuid || '|' || cast(host_id as varchar) as id, cast(first_ping_at as varchar) as truth, "
        "cast(first_ping_at as varchar) as expected from truth_installations",
        "select uuid || '|' || cast(host_id as varchar) as id, cast(first_ping_at as varchar) as predicted "
        "from marts.dim_installation",
    )
    [result] = score(warehouse, truth, landing, mappings=[extra])
    assert result.check == "installation_first_ping" and result.rows > 0 and result.true_links > 0
    assert 0.0 <= result.precision <= 1.0


def test_missing_truth_folder_is_a_clear_error(tmp_path, demo_build, capsys):
    _, _, warehouse = demo_build
    code = main(["accuracy", "--truth", str(tmp_path / "nowhere"), "--warehouse", str(warehouse)])
    assert code == 2
    assert "nowhere" in capsys.readouterr().err


def test_installation_accuracy_is_printed_and_bounded(demo_build):
    """Installations (data-contract §6) are scored against the truth: every installation
    type is right, and every Non-Production server is found."""
    from customer_usage.accuracy.installation import installation_accuracy

    landing, truth, warehouse = demo_build
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["accuracy", "--landing", str(landing), "--truth", str(truth),
                     "--warehouse", str(warehouse)]) == 0
    assert "primary installation" in out.getvalue()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        result = installation_accuracy(con, truth)
    assert result.installations > 0 and result.non_production_true > 0
    assert result.installation_type_accuracy == 1.0
    assert result.non_production_found == result.non_production_true
    # this build stops before the monthly mart, so the primary choice is not scored (n/a), never guessed
    assert result.primary_precision is None and "primary installation   precision n/a" in out.getvalue()
