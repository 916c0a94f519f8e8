"""dim_customer and rpt_integration_coverage on the small landing folder."""

from __future__ import annotations

import pandas as pd

from customer_usage.sfdc_ids import to_18
from customer_usage_tests.dbt import landing_data as d
from customer_usage_tests.dbt.conftest import q


def test_dim_customer_entities(small_warehouse):
    frame = q(small_warehouse, "select * from marts.dim_customer")
    accounts = frame[frame.customer_entity_type == "crm_account"].set_index("dim_crm_account_id")
    assert set(accounts.index) == {to_18(d.A1), to_18(d.A2), to_18(d.A3)}
    assert accounts.loc[to_18(d.A2), "deployment_type"] == "Both"
    assert accounts.loc[to_18(d.A2), "source_systems"] == "customers_db,gitlab_dotcom,license_db,sfdc,version_db,zuora"
    assert (accounts.customer_type == "paid").all()

    namespaces = frame[frame.customer_entity_type == "namespace"].set_index("dim_namespace_id")
    # 100 (subscription), 200 and 500 (orders of known customers) belong to accounts
    assert set(namespaces.index) == {300, 400, 600, 700, 800, 900}
    assert namespaces.loc[300, "customer_type"] == "trial"
    assert namespaces.loc[600, "customer_type"] == "free"
    assert namespaces.loc[600, "source_systems"] == "customers_db,gitlab_dotcom"

    installations = frame[frame.customer_entity_type == "installation"]
    # u2 (never mapped) and u3 (unlicensed) are customers of their own; u1, u4, u5 map to subscriptions
    assert len(installations) == 2
    assert set(installations.customer_type) == {"free"}
    assert frame.dim_customer_id.is_unique


def test_integration_coverage_numbers(small_warehouse):
    frame = q(small_warehouse, "select * from marts.rpt_integration_coverage").set_index("measure")
    expected = {
        "paid_namespaces_with_order": (2, 4),
        "saas_orders_with_valid_namespace": (3, 7),
        "orders_with_zuora_subscription": (6, 8),
        "customers_with_zuora_account": (2, 3),
        "sm_orders_with_license": (2, 3),
        "licenses_with_valid_subscription": (2, 4),
        "pings_with_known_license": (5, 6),
        "pings_mapped_to_subscription": (4, 6),
        "billing_accounts_with_crm_account": (4, 9),  # Z1 Z2 Z7 Z10 / all with a crm_id
    }
    got = {m: (int(r.numerator), int(r.denominator)) for m, r in frame.iterrows()}
    assert got == expected
    assert abs(frame.loc["licenses_with_valid_subscription", "coverage"] - 0.5) < 1e-9


def test_unmapped_arr(small_warehouse):
    frame = q(small_warehouse, "select * from marts.rpt_integration_coverage").set_index("measure")
    # license 2 names an unknown id; its subscription name leads to lineage O6 (MRR 50)
    assert frame.loc["licenses_with_valid_subscription", "unmapped_arr"] == 600
    # Z3's crm_id is unknown; Z3 bills O6
    assert frame.loc["billing_accounts_with_crm_account", "unmapped_arr"] == 600
    # the one-time charge of 1000 never counts; S4 ended, so its orders put nothing at stake
    assert frame.loc["saas_orders_with_valid_namespace", "unmapped_arr"] == 0
    assert pd.isna(frame.loc["customers_with_zuora_account", "unmapped_arr"])  # no money attached


def test_arr_uses_latest_active_version_charges(small_warehouse):
    arr = q(small_warehouse, "select * from intermediate.int_subscription_arr").set_index("dim_subscription_id_original")
    assert arr.loc["O1", "mrr"] == 150  # v2 (Active), not v3 (Draft) nor v1
    assert arr.loc["O8", "arr"] == 0  # starts after the AS_OF month
