"""Against the generator's ground truth on `small`: every ping's subscription
lineage, the ping that counts per month, and the mart's wave-1 seats."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from customer_usage_sim.core import generate
from customer_usage.sources.contract import load_contract
from customer_usage_tests.dbt.marts.dbt_runner import MART, Warehouse


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    result = generate(folder / "landing", scale="small", seed=1)
    as_of = json.loads((result.truth_dir / "rates.json").read_text())["as_of"]
    # the generated files are contract-clean, so they go straight into raw tables
    # (the source loaders are tested in their own area)
    frames = {f"{s.system}/{s.table}": pd.read_parquet(result.landing_dir / s.system / f"{s.table}.parquet")
              for s in load_contract()}
    warehouse = Warehouse(folder / "run", as_of).load(frames)
    warehouse.build_mart()
    return warehouse, result.truth_dir


def test_every_ping_carries_the_expected_subscription_lineage(small):
    warehouse, truth = small
    expected = pd.read_parquet(truth / "pings.parquet").set_index("usage_data_id")
    actual = warehouse.query("select dim_ping_id, dim_subscription_id, dim_subscription_id_original, "
                             "ping_subscription_source from marts.fct_ping").set_index("dim_ping_id")
    assert len(actual) == len(expected) > 10_000
    joined = expected.join(actual, how="left")
    mapped = joined[joined.expected_subscription_id.notna()]
    assert len(mapped) > 1000
    for mine, theirs in [("dim_subscription_id", "expected_subscription_id"),
                         ("dim_subscription_id_original", "expected_original_id"),
                         ("ping_subscription_source", "expected_subscription_source")]:
        wrong = joined[joined[mine].fillna("<null>") != joined[theirs].fillna("<null>")]
        assert wrong.empty, f"{len(wrong)} pings differ on {mine}, e.g.\n{wrong[[mine, theirs]].head()}"


def test_the_ping_that_counts_per_month(small):
    warehouse, truth = small
    expected = pd.read_parquet(truth / "pings.parquet")
    expected = set(expected[expected.is_month_latest & expected.expected_original_id.notna()].usage_data_id)
    actual = set(warehouse.query("select dim_ping_id from intermediate.int_ping_latest").dim_ping_id)
    assert len(actual) > 1000
    assert actual == expected


def test_mart_wave_1_seats_equal_the_generators(small):
    warehouse, truth = small
    seats = pd.read_parquet(truth / "subscription_seats.parquet")
    seats["month"] = pd.to_datetime(seats["month"]).dt.strftime("%Y-%m")
    mart = warehouse.query(
        f"select dim_subscription_id_original as original_id, strftime(snapshot_month, '%Y-%m') as month, "
        f"max(license_user_count) as license_user_count, max(license_user_count_source) as source, "
        f"count(distinct license_user_count) as variants from {MART} group by 1, 2")
    assert (mart.variants <= 1).all()  # one seat count per lineage-month, whatever the installations
    joined = seats.merge(mart, on=["original_id", "month"], how="outer", indicator=True)
    assert (joined._merge == "both").all(), joined[joined._merge != "both"].head()  # same lineage-months
    # the generator writes 0 when no recurring charge is in effect; the mart then falls back to
    # the ping's (or gitlab_subscriptions') count, as data-contract §5 says ("else the ping's")
    with_zuora = joined[joined.licensed_seats > 0]
    assert len(with_zuora) > 1000
    assert (with_zuora.source == "zuora").all()
    assert (with_zuora.license_user_count == with_zuora.licensed_seats).all(), \
        with_zuora[with_zuora.license_user_count != with_zuora.licensed_seats].head()
    without_charge = joined[joined.licensed_seats.fillna(0) == 0]
    assert (without_charge.source != "zuora").all()
