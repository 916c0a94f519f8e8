"""Each stitching rule of data-contract §4 on the small landing folder of landing_data."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_usage_tests.dbt.conftest import q


def rows(path, sql):
    return q(path, sql).to_dict("records")


def test_gitlab_subscriptions_latest_updated_at_wins(small_warehouse):
    plan = q(small_warehouse, "select hosted_plan_id from staging.stg_gitlab_dotcom__gitlab_subscriptions where namespace_id = 100")
    assert plan.hosted_plan_id.tolist() == [100]


def test_ultimate_parent_namespace_and_its_plan(small_warehouse):
    frame = q(small_warehouse, "select * from marts.dim_namespace").set_index("dim_namespace_id")
    assert frame.loc[102, "ultimate_parent_namespace_id"] == 100  # two levels up
    assert frame.loc[102, "namespace_depth"] == 2
    assert frame.loc[101, "gitlab_plan_id"] == 100 and bool(frame.loc[101, "is_paid"])  # plan of the ultimate parent
    assert frame.loc[800, "ultimate_parent_namespace_id"] == 800  # parent missing: walk ends at itself
    assert frame.loc[700, "gitlab_plan_id"] == 34 and not frame.loc[700, "is_paid"]
    assert bool(frame.loc[200, "is_trial"]) and bool(frame.loc[300, "is_trial"])


def test_subscription_versions_and_flags(small_warehouse):
    frame = q(small_warehouse, "select * from marts.dim_subscription").set_index("dim_subscription_id")
    assert "S5v1" not in frame.index  # deleted
    assert frame.loc["S1v3", "is_latest_version"] and not frame.loc["S1v3", "is_latest_active_version"]  # Draft
    assert frame.loc["S1v2", "is_latest_active_version"] and not frame.loc["S1v2", "is_latest_version"]
    assert frame.loc["S1v1", "dim_subscription_id_original"] == "O1"
    assert frame.loc["S2v1", "deployment_type"] == "Self-Managed" and frame.loc["S1v2", "deployment_type"] == "GitLab.com"
    assert frame.loc["S3v1", "product_tier"] == "Ultimate"
    assert frame.loc["S7v1", "is_in_effect_as_of_month"]  # starts on the AS_OF month's last day
    assert not frame.loc["S8v1", "is_in_effect_as_of_month"]  # starts after it
    assert not frame.loc["S4v1", "is_in_effect_as_of_month"]  # ended before it


def test_license_validity(small_warehouse):
    frame = q(small_warehouse, "select * from marts.dim_license").set_index("dim_license_id")
    assert frame.loc[1, "dim_subscription_id"] == "S2v1" and frame.loc[1, "is_license_subscription_id_valid"]
    assert frame.loc[2, "is_license_mapped_to_subscription"] and not frame.loc[2, "is_license_subscription_id_valid"]
    assert frame.loc[2, "dim_subscription_id"] is None
    assert not frame.loc[3, "is_license_mapped_to_subscription"]


@pytest.mark.parametrize(
    "ping, subscription, source, license_id",
    [
        (1, "S2v1", "license_md5", 1),
        (2, "S2v1", "license_subscription_id", 1),
        (3, None, None, 3),
        (4, None, None, None),
        (5, None, None, None),
        (6, "S2v1", "license_md5", 1),  # md5 normalised
        (7, "S6v1", "license_md5", 5),  # two licenses share the md5: the valid one wins
    ],
)
def test_ping_to_subscription(small_warehouse, ping, subscription, source, license_id):
    row = rows(small_warehouse, f"select * from intermediate.int_ping_subscription where dim_ping_id = {ping}")[0]
    assert row["dim_subscription_id"] == subscription
    assert row["ping_subscription_source"] == source
    assert (None if pd.isna(row["dim_license_id"]) else row["dim_license_id"]) == license_id


def test_installations_hash_host_and_uuid(small_warehouse):
    frame = q(small_warehouse, "select * from marts.dim_installation").set_index("uuid")
    assert len(frame) == 5
    assert str(frame.loc["u1", "first_ping_at"]) == "2026-09-10 10:00:00"
    assert str(frame.loc["u1", "last_ping_at"]) == "2026-10-10 10:00:00"
    pings = q(small_warehouse, "select distinct dim_installation_id from staging.stg_version_db__usage_data")
    assert set(pings.dim_installation_id) == set(frame.dim_installation_id)


EXPECTED_STATUS = {
    ("order", 1): "Paid All Matching",
    ("order", 2): "Trial All Matching",
    ("order", 3): "Order Namespace Not Found",
    ("order", 4): "Order Linked to Non-Ultimate Parent Namespace",
    ("order", 5): "Paid Order Missing Namespace Assignment",
    ("order", 6): "Free Order Missing Namespace Assignment",
    ("order", 7): "Paid Namespace Missing Zuora Subscription",
    ("order", 10): None,
    ("order", 13): None,
    ("namespace", 900): "Paid Namespace Missing Order",
    ("namespace", 300): "Trial Namespace Missing Order",
    ("namespace", 400): "Paid Namespace Missing Order",
    ("subscription", "S3v1"): "Paid Subscription Missing Order",
    ("subscription", "S7v1"): "Paid Subscription Missing Order",
}


def test_bridge_match_statuses(small_warehouse):
    frame = q(small_warehouse, "select * from marts.bdg_namespace_order_subscription")
    got = {}
    for r in frame.to_dict("records"):
        key = {"order": r["order_id"], "namespace": r["dim_namespace_id"], "subscription": r["dim_subscription_id"]}[r["row_source"]]
        got[(r["row_source"], int(key) if r["row_source"] != "subscription" else key)] = r["match_status"]
    assert got == EXPECTED_STATUS  # every one of the 10 statuses, and no other row


def test_bridge_keeps_ids_of_the_join(small_warehouse):
    frame = q(small_warehouse, "select * from marts.bdg_namespace_order_subscription where order_id is not null").set_index("order_id")
    assert frame.loc[1, "dim_subscription_id"] == "S1v1"  # the version the order names
    assert frame.loc[1, "dim_namespace_id"] == 100
    assert frame.loc[3, "order_gl_namespace_id"] == 99999 and pd.isna(frame.loc[3, "dim_namespace_id"])
    assert frame.loc[4, "dim_namespace_id"] == 101  # the subgroup enters through its order
    assert 8 not in frame.index and 11 not in frame.index  # Self-Managed orders stay out
