"""A hand-made landing folder with one broken link of each kind (data-contract §7).

Every defect kind of rpt_integration_defects occurs on exactly one entity, except
`ping_unmapped_to_subscription` (two pings of one lineage: the roadmap tie is then
broken by entity count). Lineage ARR (12 x MRR) is distinct per lineage so a wrong
attribution shows. One license is fixed in March 2026 (created in January with its
Zuora id, edited in March): licenses_with_valid_subscription counts it from March.
AS_OF is 2026-10-15.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from customer_usage.sfdc_ids import to_18

AS_OF = "2026-10-15"
A1 = "001Ab00000AbCdE"          # the one surviving Salesforce account
UNKNOWN = "001Ab00000NoNe1"     # names no account
ZUORA_CREATED = pd.Timestamp("2025-10-01")
CREATED = pd.Timestamp("2025-11-02")
LICENSES_CREATED = pd.Timestamp("2026-01-05")
FIXED_AT = pd.Timestamp("2026-03-10")

PLANS = {"PRP_SAAS": "SaaS - Premium", "PRP_SM": "Self-Managed - Premium"}

# (subscription id = original id, billing account, product rate plan, start, namespace_id, mrr)
SUBSCRIPTIONS = [
    ("O1", "Z1", "PRP_SAAS", "2025-11-01", 100, 100.0),   # ARR 1200: Paid All Matching (order 1)
    ("O2", "Z1", "PRP_SM", "2025-11-01", None, 200.0),    # ARR 2400: licensed, pings map
    ("O3", "Z1", "PRP_SAAS", "2026-01-01", None, 300.0),  # ARR 3600: paid_subscription_missing_order
    ("O4", "Z2", "PRP_SM", "2026-01-01", None, 50.0),     # ARR 600: billing account Z2 unresolved; license 2
    ("O5", "Z1", "PRP_SM", "2026-01-01", None, 40.0),     # ARR 480: order 5 without a license
    ("O6", "Z1", "PRP_SM", "2026-01-01", None, 30.0),     # ARR 360: license 3's id is unknown; pings 3, 5
]
ARR = {sid: 12 * mrr for sid, *_, mrr in SUBSCRIPTIONS}

# (id, parent_id, plan)
NAMESPACES = [
    (100, None, 100),   # paid, with its order
    (101, 100, None),   # subgroup of 100
    (300, None, 103),   # trial without an order: trial_namespace_missing_order
    (400, None, 101),   # paid without an order: paid_namespace_missing_order
    (500, None, 100),   # paid, its order names a subscription Zuora does not know
]

# (id, customer, product rate plan, subscription_id, subscription_name, gl_namespace_id)
ORDERS = [
    (1, 1, "PRP_SAAS", "O1", "SUB-O1", 100),          # Paid All Matching
    (2, 1, "PRP_SM", "O2", "SUB-O2", None),           # Self-Managed with a license
    (3, 1, "PRP_SAAS", "O1", "SUB-O1", 99999),        # order_namespace_not_found (O1)
    (4, 1, "PRP_SAAS", "O1", "SUB-O1", 101),          # order_linked_to_non_ultimate_parent_namespace (O1)
    (5, 1, "PRP_SM", "O5", "SUB-O5", None),           # sm_order_without_license (O5)
    (6, 1, "PRP_SAAS", "O1", "SUB-O1", None),         # paid_order_missing_namespace_assignment (O1)
    (7, 1, "PRP_SAAS", "SUB_MISSING", "SUB-X", 500),  # paid_namespace_missing_zuora_subscription + order_subscription_not_in_zuora
    (8, 1, "PRP_SAAS", None, None, None),             # free_order_missing_namespace_assignment
]

# (id, md5, zuora_subscription_id, zuora_subscription_name, updated_at)
LICENSES = [
    (1, "aaa", "O2", "SUB-O2", LICENSES_CREATED),     # valid from the start
    (2, "bbb", None, "SUB-O4", LICENSES_CREATED),     # license_missing_subscription_id (O4 by name)
    (3, "ccc", "S_BOGUS", "SUB-O6", LICENSES_CREATED),  # license_subscription_not_in_zuora (O6 by name)
    (4, "ddd", "O2", "SUB-O2", FIXED_AT),             # Zuora id corrected in March 2026
]

# (id, uuid, md5, license_subscription_id, recorded_at)
PINGS = [
    (1, "u1", "aaa", None, "2026-09-10"),   # -> O2
    (2, "u2", "zzz", "O2", "2026-09-11"),   # ping_license_unknown, still mapped to O2 by its own subscription id
    (3, "u3", "ccc", None, "2026-09-12"),   # ping_unmapped_to_subscription (O6 by license name)
    (4, "u4", None, None, "2026-09-13"),    # unlicensed: no defect
    (5, "u3", "ccc", None, "2026-10-12"),   # ping_unmapped_to_subscription again (same lineage)
]

# defect -> (integration, entity_type, entity_id, lineage, arr): what rpt_integration_defects must say
EXPECTED_DEFECTS = {
    "order_namespace_not_found": ("gitlab_customers", "order", "3", "O1", ARR["O1"]),
    "order_linked_to_non_ultimate_parent_namespace": ("gitlab_customers", "order", "4", "O1", ARR["O1"]),
    "paid_order_missing_namespace_assignment": ("gitlab_customers", "order", "6", "O1", ARR["O1"]),
    "free_order_missing_namespace_assignment": ("gitlab_customers", "order", "8", None, 0.0),
    "paid_namespace_missing_zuora_subscription": ("customers_zuora", "order", "7", None, 0.0),
    "paid_namespace_missing_order": ("gitlab_customers", "namespace", "400", None, 0.0),
    "trial_namespace_missing_order": ("gitlab_customers", "namespace", "300", None, 0.0),
    "paid_subscription_missing_order": ("gitlab_customers", "subscription", "O3", "O3", ARR["O3"]),
    "order_subscription_not_in_zuora": ("customers_zuora", "order", "7", None, 0.0),
    "customer_zuora_account_not_in_zuora": ("customers_zuora", "customer", "2", None, 0.0),
    "sm_order_without_license": ("customers_license", "order", "5", "O5", ARR["O5"]),
    "license_missing_subscription_id": ("license_zuora", "license", "2", "O4", ARR["O4"]),
    "license_subscription_not_in_zuora": ("license_zuora", "license", "3", "O6", ARR["O6"]),
    "ping_license_unknown": ("license_version", "ping", "2", "O2", ARR["O2"]),
    "ping_unmapped_to_subscription": ("license_version", "ping", "3", "O6", ARR["O6"]),
    "billing_account_crm_unresolved": ("zuora_sfdc", "billing_account", "Z2", None, ARR["O4"]),
}


def _zuora() -> dict[str, pd.DataFrame]:
    subs, rate_plans, charges = [], [], []
    for sid, acct, prp, start, ns, mrr in SUBSCRIPTIONS:
        begin = dt.date.fromisoformat(start)
        subs.append({
            "id": sid, "name": f"SUB-{sid}", "account_id": acct, "invoice_owner_id": acct, "original_id": sid,
            "previous_subscription_id": None, "version": 1, "status": "Active", "subscription_start_date": begin,
            "subscription_end_date": None, "term_start_date": begin, "term_end_date": None, "auto_renew": True,
            "namespace_id": ns, "created_date": ZUORA_CREATED, "updated_date": ZUORA_CREATED, "deleted": False,
        })
        rate_plans.append({"id": f"RP_{sid}", "subscription_id": sid, "product_rate_plan_id": prp, "name": PLANS[prp],
                           "amendment_type": None, "created_date": ZUORA_CREATED, "updated_date": ZUORA_CREATED,
                           "deleted": False})
        charges.append({"id": f"RPC_{sid}", "rate_plan_id": f"RP_{sid}", "product_rate_plan_charge_id": "C",
                        "name": "seats", "charge_type": "Recurring", "mrr": mrr, "quantity": 10.0,
                        "effective_start_date": begin, "effective_end_date": None, "segment": 1, "version": 1,
                        "created_date": ZUORA_CREATED, "updated_date": ZUORA_CREATED, "deleted": False})
    accounts = [
        {"id": z, "account_number": f"A-{z}", "name": f"billing {z}", "crm_id": crm, "status": "Active",
         "currency": "USD", "parent_id": None, "created_date": ZUORA_CREATED, "updated_date": ZUORA_CREATED,
         "deleted": False}
        for z, crm in (("Z1", to_18(A1)), ("Z2", to_18(UNKNOWN)))
    ]
    return {
        "zuora/account": pd.DataFrame(accounts),
        "zuora/subscription": pd.DataFrame(subs).astype({"namespace_id": "Int64"}),
        "zuora/rate_plan": pd.DataFrame(rate_plans),
        "zuora/rate_plan_charge": pd.DataFrame(charges),
        "zuora/product": pd.DataFrame([{"id": "P1", "name": "GitLab", "sku": "SKU-1"}]),
        "zuora/product_rate_plan": pd.DataFrame([{"id": k, "product_id": "P1", "name": v} for k, v in PLANS.items()]),
    }


def _dotcom() -> dict[str, pd.DataFrame]:
    ts = pd.Timestamp("2025-01-01")
    return {
        "gitlab_dotcom/namespaces": pd.DataFrame([
            {"id": i, "name": f"ns{i}", "path": f"ns{i}", "type": "Group", "parent_id": p, "owner_id": 1,
             "created_at": ts, "updated_at": ts} for i, p, _ in NAMESPACES
        ]).astype({"parent_id": "Int64"}),
        "gitlab_dotcom/gitlab_subscriptions": pd.DataFrame([
            {"id": i, "namespace_id": ns, "hosted_plan_id": plan, "seats": 10, "seats_in_use": 5,
             "max_seats_used": 7, "start_date": dt.date(2025, 1, 1), "end_date": None, "trial": plan == 103,
             "trial_starts_on": None, "trial_ends_on": None, "created_at": ts, "updated_at": ts}
            for i, (ns, _, plan) in enumerate(NAMESPACES, start=1) if plan is not None
        ]),
        "gitlab_dotcom/plans": pd.DataFrame([
            {"id": i, "name": n, "title": n.title()}
            for i, n in [(34, "free"), (100, "premium"), (101, "ultimate"), (102, "ultimate_trial"), (103, "premium_trial")]
        ]),
        "gitlab_dotcom/members": pd.DataFrame([{"id": 1, "source_id": 100, "source_type": "Namespace", "user_id": 1,
                                                "access_level": 50, "requested_at": None, "created_at": ts}]),
        "gitlab_dotcom/users": pd.DataFrame([{"id": 1, "state": "active", "user_type": None, "created_at": ts}]),
        "gitlab_dotcom/namespace_ping_metrics": pd.DataFrame([{"namespace_id": 100, "metric_path": "counts.ci_builds",
                                                               "counter_value": 5.0, "ping_date": dt.date(2026, 10, 1)}]),
    }


def _portal_and_licenses() -> dict[str, pd.DataFrame]:
    return {
        "customers_db/customers": pd.DataFrame([
            {"id": i, "email": None, "first_name": None, "last_name": None, "company": "Acme", "country": "DE",
             "zuora_account_id": z, "salesforce_account_id": None, "created_at": CREATED, "updated_at": CREATED}
            for i, z in ((1, "Z1"), (2, "Z_MISSING"))
        ]),
        "customers_db/orders": pd.DataFrame([
            {"id": i, "customer_id": c, "product_rate_plan_id": prp, "subscription_id": sub, "subscription_name": name,
             "start_date": dt.date(2025, 11, 1), "end_date": None, "quantity": 10, "gl_namespace_id": ns,
             "gl_namespace_name": None, "trial": False, "created_at": CREATED, "updated_at": CREATED}
            for i, c, prp, sub, name, ns in ORDERS
        ]).astype({"gl_namespace_id": "Int64"}),
        "customers_db/license_seat_links": pd.DataFrame([
            {"order_id": 2, "zuora_subscription_id": "O2", "zuora_subscription_name": "SUB-O2", "hostname": "h1",
             "instance_identifier": "u1", "report_date": dt.date(2026, 10, 1), "active_user_count": 5,
             "license_user_count": 10, "max_historical_user_count": 6, "created_at": CREATED},
        ]),
        "customers_db/trial_histories": pd.DataFrame([
            {"gl_namespace_id": 300, "start_date": dt.date(2026, 10, 1), "expired_on": None, "created_at": CREATED},
        ]),
        "license_db/licenses": pd.DataFrame([
            {"id": i, "company": "Acme", "email": "x@example.com", "users_count": 10, "plan_code": "premium",
             "starts_at": dt.date(2026, 1, 1), "expires_at": dt.date(2027, 1, 1), "trial": False,
             "zuora_subscription_id": sub, "zuora_subscription_name": name, "license_md5": md5,
             "created_at": LICENSES_CREATED, "updated_at": updated}
            for i, md5, sub, name, updated in LICENSES
        ]),
    }


def landing_frames() -> dict[str, pd.DataFrame]:
    frames = {
        "sfdc/account": pd.DataFrame([{
            "id": to_18(A1), "name": "Acme", "type": "Customer", "parent_id": None, "ultimate_parent_account_id": None,
            "master_record_id": None, "is_deleted": False, "billing_country": "DE", "created_date": ZUORA_CREATED,
        }]),
        **_zuora(), **_dotcom(), **_portal_and_licenses(),
    }
    frames["version_db/usage_data"] = pd.DataFrame([
        {"id": i, "uuid": u, "hostname": f"host-{u}", "host_id": int(u[1:]), "version": "17.0", "edition": "EE",
         "license_md5": md5, "license_subscription_id": lsid, "license_user_count": 10,
         "license_billable_users": 8, "historical_max_users": 9, "active_user_count": 7,
         "recorded_at": pd.Timestamp(ts), "created_at": pd.Timestamp(ts),
         "payload": json.dumps({"counts": {"ci_builds": 3}})}
        for i, u, md5, lsid, ts in PINGS
    ])
    return frames
