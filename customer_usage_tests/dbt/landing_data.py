"""A small landing folder that exercises every stitching rule and match status.

Each row is there for a reason, named in the comment beside it; the tests in this
package assert the outcome for those rows. AS_OF is 2026-10-15.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from customer_usage.sfdc_ids import to_18

AS_OF = "2026-10-15"
TS = pd.Timestamp("2026-01-01 00:00:00")

# Salesforce ids: 15-character bases with mixed case, so the checksum matters.
A1 = "001Ab00000AbCdE"   # survivor, top of the hierarchy
A2 = "001Ab00000XyZaB"   # survivor, child of A1
A3 = "001Ab00000QqRrS"   # survivor, parent_id = M1 (merged into A1) -> ultimate A1
M1 = "001Ab00000MmMm1"   # merged into A1
M2 = "001Ab00000MmMm2"   # merged into M3 ...
M3 = "001Ab00000MmMm3"   # ... merged into A2 (a chain)
D1 = "001Ab00000DdDd1"   # deleted, no survivor
C1 = "001Ab00000CcCc1"   # cycle C1 -> C2 -> C1
C2 = "001Ab00000CcCc2"
UNKNOWN = "001Ab00000NoNe1"


def sfdc_account() -> pd.DataFrame:
    def row(id15, parent=None, ultimate=None, master=None, deleted=False, name="acct", type_="Customer"):
        return {
            "id": to_18(id15), "name": name, "type": type_,
            "parent_id": to_18(parent) if parent else None,
            "ultimate_parent_account_id": to_18(ultimate) if ultimate else None,
            "master_record_id": to_18(master) if master else None,
            "is_deleted": deleted, "billing_country": "DE", "created_date": TS,
        }
    return pd.DataFrame([
        row(A1, name="Acme Holding"),
        row(A2, parent=A1, ultimate=A1, name="Acme GmbH"),
        row(A3, parent=M1, ultimate=M1, name="Acme Labs"),
        row(M1, master=A1, deleted=True, name="Acme dup"),
        row(M2, master=M3, deleted=True),
        row(M3, master=A2, deleted=True),
        row(D1, deleted=True),
        row(C1, master=C2, deleted=True),
        row(C2, master=C1, deleted=True),
    ])


def zuora_account() -> pd.DataFrame:
    def row(id_, crm, deleted=False):
        return {"id": id_, "account_number": f"A-{id_}", "name": f"billing {id_}", "crm_id": crm,
                "status": "Active", "currency": "USD", "parent_id": None, "created_date": TS,
                "updated_date": TS, "deleted": deleted}
    return pd.DataFrame([
        row("Z1", A1),            # 15-character crm_id -> A1
        row("Z2", to_18(M2)),     # merged chain M2 -> M3 -> A2
        row("Z3", to_18(UNKNOWN)),  # unknown id -> NULL
        row("Z4", None),          # no crm_id
        row("Z5", to_18(D1)),     # deleted without survivor -> NULL
        row("Z6", to_18(A1), deleted=True),  # deleted billing account: not in the dims
        row("Z7", to_18(A3)),     # 18-character, direct
        row("Z8", C1),            # merge cycle -> NULL
        row("Z9", to_18(A3)[:16]),  # 16 characters: malformed_crm_id -> NULL
        row("Z10", to_18(A3)[:15] + "AAA"),  # wrong checksum, prefix A3 exists: resolved via prefix, flagged
        row("Z11", to_18(UNKNOWN)[:15] + "AAA"),  # wrong checksum, unknown prefix: malformed_crm_id
    ])


PRODUCT_RATE_PLANS = {
    "PRP_SAAS_PREM": "SaaS - Premium",
    "PRP_SAAS_ULT": "SaaS - Ultimate",
    "PRP_SM_PREM": "Self-Managed - Premium",
    "PRP_SM_ULT": "Self-Managed - Ultimate",
    "PRP_SAAS_TRIAL": "SaaS - Trial",
}

# (id, original_id, version, status, account, prp, start, end, namespace_id, deleted, mrr)
SUBSCRIPTIONS = [
    ("S1v1", "O1", 1, "Active", "Z1", "PRP_SAAS_PREM", "2025-01-01", None, 100, False, 100.0),
    ("S1v2", "O1", 2, "Active", "Z1", "PRP_SAAS_PREM", "2025-01-01", None, 100, False, 150.0),
    ("S1v3", "O1", 3, "Draft", "Z1", "PRP_SAAS_PREM", "2025-01-01", None, 100, False, 999.0),
    ("S2v1", "O2", 1, "Active", "Z2", "PRP_SM_ULT", "2025-06-01", None, None, False, 200.0),
    ("S3v1", "O3", 1, "Active", "Z7", "PRP_SAAS_ULT", "2026-01-01", "2027-01-01", None, False, 300.0),
    ("S4v1", "O4", 1, "Cancelled", "Z1", "PRP_SAAS_PREM", "2025-01-01", "2026-05-01", None, False, 40.0),
    ("S5v1", "O5", 1, "Active", "Z1", "PRP_SAAS_PREM", "2025-01-01", None, None, True, 10.0),
    ("S6v1", "O6", 1, "Active", "Z3", "PRP_SM_PREM", "2025-01-01", None, None, False, 50.0),
    ("S7v1", "O7", 1, "Active", "Z4", "PRP_SAAS_PREM", "2026-10-31", None, 500, False, 70.0),  # starts in AS_OF month
    ("S8v1", "O8", 1, "Active", "Z4", "PRP_SAAS_PREM", "2026-11-01", None, None, False, 80.0),  # starts after AS_OF month
]


def zuora_tables() -> dict[str, pd.DataFrame]:
    subs, rate_plans, charges = [], [], []
    for sid, orig, ver, status, acct, prp, start, end, ns, deleted, mrr in SUBSCRIPTIONS:
        subs.append({
            "id": sid, "name": f"SUB-{orig}", "account_id": acct, "invoice_owner_id": acct,
            "original_id": orig, "previous_subscription_id": None, "version": ver, "status": status,
            "subscription_start_date": dt.date.fromisoformat(start),
            "subscription_end_date": dt.date.fromisoformat(end) if end else None,
            "term_start_date": dt.date.fromisoformat(start), "term_end_date": None,
            "auto_renew": True, "namespace_id": ns, "created_date": TS,
            "updated_date": TS + pd.Timedelta(days=ver), "deleted": deleted,
        })
        rate_plans.append({"id": f"RP_{sid}", "subscription_id": sid, "product_rate_plan_id": prp,
                           "name": PRODUCT_RATE_PLANS[prp], "amendment_type": None,
                           "created_date": TS, "updated_date": TS, "deleted": False})
        charges.append({"id": f"RPC_{sid}", "rate_plan_id": f"RP_{sid}", "product_rate_plan_charge_id": "C",
                        "name": "seats", "charge_type": "Recurring", "mrr": mrr, "quantity": 10.0,
                        "effective_start_date": dt.date.fromisoformat(start),
                        "effective_end_date": dt.date.fromisoformat(end) if end else None,
                        "segment": 1, "version": 1, "created_date": TS, "updated_date": TS, "deleted": False})
        charges.append({"id": f"RPC1_{sid}", "rate_plan_id": f"RP_{sid}", "product_rate_plan_charge_id": "C1",
                        "name": "setup", "charge_type": "OneTime", "mrr": 1000.0, "quantity": 1.0,
                        "effective_start_date": dt.date.fromisoformat(start), "effective_end_date": None,
                        "segment": 1, "version": 1, "created_date": TS, "updated_date": TS, "deleted": False})
    return {
        "zuora/account": zuora_account(),
        "zuora/subscription": pd.DataFrame(subs),
        "zuora/rate_plan": pd.DataFrame(rate_plans),
        "zuora/rate_plan_charge": pd.DataFrame(charges),
        "zuora/product": pd.DataFrame([{"id": "P1", "name": "GitLab", "sku": "SKU-1"}]),
        "zuora/product_rate_plan": pd.DataFrame(
            [{"id": k, "product_id": "P1", "name": v} for k, v in PRODUCT_RATE_PLANS.items()]
        ),
    }


# namespaces: (id, type, parent_id)
NAMESPACES = [
    (100, "Group", None),   # paid (plan 100), Paid All Matching via order 1
    (101, "Group", 100),    # subgroup
    (102, "Group", 101),    # sub-subgroup: ultimate parent 100
    (200, "Group", None),   # trial 102 with a trial order: Trial All Matching
    (300, "Group", None),   # trial 103 without an order: Trial Namespace Missing Order
    (400, "Group", None),   # paid 101 without an order: Paid Namespace Missing Order
    (500, "Group", None),   # paid 100, paid order whose subscription is not in Zuora
    (600, "User", None),    # free (34) with a free order
    (700, "User", None),    # no gitlab_subscriptions row at all: free
    (800, "Group", 999),    # parent does not exist: ends the walk at itself
    (900, "Group", None),   # paid 101 with only a trial order: Paid Namespace Missing Order row of its own
]

# gitlab_subscriptions: (id, namespace_id, plan, updated_at offset days)
GITLAB_SUBSCRIPTIONS = [
    (1, 100, 34, 1),    # older duplicate row for namespace 100 ...
    (2, 100, 100, 5),   # ... the latest updated_at wins: paid
    (3, 200, 102, 1),
    (4, 300, 103, 1),
    (5, 400, 101, 1),
    (6, 500, 100, 1),
    (7, 600, 34, 1),
    (8, 101, 34, 1),    # a subgroup's own row is ignored: plan of the ultimate parent
    (9, 900, 101, 1),
]

# orders: (id, customer, prp, subscription_id, trial, gl_namespace_id)
ORDERS = [
    (1, 1, "PRP_SAAS_PREM", "S1v1", False, 100),       # Paid All Matching (older version)
    (2, 1, None, None, True, 200),                     # Trial All Matching (no rate plan + namespace = SaaS)
    (3, 1, "PRP_SAAS_PREM", "S4v1", False, 99999),     # Order Namespace Not Found
    (4, 1, "PRP_SAAS_PREM", "S4v1", False, 101),       # Order Linked to Non-Ultimate Parent Namespace
    (5, 2, "PRP_SAAS_ULT", "S4v1", False, None),       # Paid Order Missing Namespace Assignment
    (6, 2, "PRP_SAAS_PREM", None, False, None),        # Free Order Missing Namespace Assignment
    (7, 2, "PRP_SAAS_PREM", "SUB_MISSING", False, 500),  # Paid Namespace Missing Zuora Subscription
    (8, 2, "PRP_SM_ULT", "S2v1", False, None),         # Self-Managed paid order (not in the bridge)
    (9, 3, "PRP_SM_PREM", "S6v1", False, None),        # Self-Managed, no license of that name
    (10, 4, None, None, False, 600),                   # free order on a free namespace: no rule
    (11, 4, None, None, True, None),                   # trial order, no rate plan, no namespace: Self-Managed
    (12, 3, "PRP_SM_PREM", "S_SM_GONE", False, None),  # Self-Managed, subscription unknown, no license of its name
    (13, 4, "PRP_SAAS_TRIAL", None, True, 900),        # trial order on a now-paid namespace: no rule
]
SUBSCRIPTION_NAMES = {s[0]: f"SUB-{s[1]}" for s in SUBSCRIPTIONS}

# licenses: (id, md5, zuora_subscription_id, zuora_subscription_name, trial)
LICENSES = [
    (1, "aaa", "S2v1", "SUB-O2", False),       # valid
    (2, "bbb", "S_UNKNOWN", "SUB-O6", False),  # invalid id (unknown to Zuora)
    (3, "ccc", None, None, False),             # not mapped
    (4, "ddd", None, None, True),              # trial license
    (5, "bbb", "S6v1", "SUB-O6", False),       # same md5 as 2 but valid: preferred for pings
]

# pings: (id, uuid, host_id, md5, license_subscription_id, recorded_at)
PINGS = [
    (1, "u1", 1, "aaa", None, "2026-09-10 10:00:00"),         # license_md5 -> S2v1
    (2, "u1", 1, "aaa", "S2v1", "2026-10-10 10:00:00"),       # license_subscription_id -> S2v1
    (3, "u2", 2, "ccc", None, "2026-10-01 00:00:00"),         # license without subscription: NULL
    (4, "u3", 3, None, None, "2026-10-02 00:00:00"),          # unlicensed installation
    (5, "u2", 2, "zzz", "S_BOGUS", "2026-10-03 00:00:00"),    # unknown license and subscription: NULL
    (6, "u4", 4, "AAA ", None, "2026-10-04 00:00:00"),        # md5 normalised (case, blanks) -> S2v1
    (7, "u5", 5, "bbb", None, "2026-10-05 00:00:00"),         # md5 shared: the valid license wins -> S6v1
    (8, "u3", 3, None, None, "2026-10-15 00:00:00"),          # latest ping = default AS_OF
]


def landing_frames() -> dict[str, pd.DataFrame]:
    frames: dict[str, pd.DataFrame] = {"sfdc/account": sfdc_account(), **zuora_tables()}
    frames["gitlab_dotcom/namespaces"] = pd.DataFrame([
        {"id": i, "name": f"ns{i}", "path": f"ns{i}", "type": t, "parent_id": p, "owner_id": 1,
         "created_at": TS, "updated_at": TS} for i, t, p in NAMESPACES
    ]).astype({"parent_id": "Int64"})
    frames["gitlab_dotcom/gitlab_subscriptions"] = pd.DataFrame([
        {"id": i, "namespace_id": ns, "hosted_plan_id": plan, "seats": 10, "seats_in_use": 5,
         "max_seats_used": 7, "start_date": dt.date(2025, 1, 1), "end_date": None,
         "trial": plan in (102, 103), "trial_starts_on": None, "trial_ends_on": None,
         "created_at": TS, "updated_at": TS + pd.Timedelta(days=d)} for i, ns, plan, d in GITLAB_SUBSCRIPTIONS
    ])
    frames["gitlab_dotcom/plans"] = pd.DataFrame([
        {"id": i, "name": n, "title": n.title()} for i, n in [
            (34, "free"), (2, "bronze"), (3, "silver"), (4, "gold"), (100, "premium"),
            (101, "ultimate"), (102, "ultimate_trial"), (103, "premium_trial")]
    ])
    frames["gitlab_dotcom/members"] = pd.DataFrame([
        {"id": 1, "source_id": 100, "source_type": "Namespace", "user_id": 1, "access_level": 50,
         "requested_at": None, "created_at": TS},
    ])
    frames["gitlab_dotcom/users"] = pd.DataFrame([
        {"id": 1, "state": "active", "user_type": None, "created_at": TS},
    ])
    frames["gitlab_dotcom/namespace_ping_metrics"] = pd.DataFrame([
        {"namespace_id": 100, "metric_path": "counts.ci_builds", "counter_value": 5.0, "ping_date": dt.date(2026, 10, 1)},
    ])
    frames["customers_db/customers"] = pd.DataFrame([
        {"id": 1, "email": "a@example.com", "first_name": "A", "last_name": "B", "company": "Acme",
         "country": "DE", "zuora_account_id": "Z1", "salesforce_account_id": A1, "created_at": TS, "updated_at": TS},
        {"id": 2, "email": None, "first_name": None, "last_name": None, "company": "Acme GmbH",
         "country": "DE", "zuora_account_id": "Z2", "salesforce_account_id": None, "created_at": TS, "updated_at": TS},
        {"id": 3, "email": None, "first_name": None, "last_name": None, "company": "Other",
         "country": "US", "zuora_account_id": "Z_MISSING", "salesforce_account_id": None, "created_at": TS, "updated_at": TS},
        {"id": 4, "email": None, "first_name": None, "last_name": None, "company": None,
         "country": None, "zuora_account_id": None, "salesforce_account_id": None, "created_at": TS, "updated_at": TS},
    ])
    frames["customers_db/orders"] = pd.DataFrame([
        {"id": i, "customer_id": c, "product_rate_plan_id": prp, "subscription_id": sub,
         "subscription_name": None if sub is None else SUBSCRIPTION_NAMES.get(sub, "SUB-X"),
         "start_date": dt.date(2025, 1, 1), "end_date": None, "quantity": 10, "gl_namespace_id": ns,
         "gl_namespace_name": None, "trial": trial, "created_at": TS, "updated_at": TS}
        for i, c, prp, sub, trial, ns in ORDERS
    ]).astype({"gl_namespace_id": "Int64"})
    frames["customers_db/license_seat_links"] = pd.DataFrame([
        {"order_id": 8, "zuora_subscription_id": "S2v1", "zuora_subscription_name": "SUB-O2", "hostname": "h1",
         "instance_identifier": "u1", "report_date": dt.date(2026, 10, 1), "active_user_count": 5,
         "license_user_count": 10, "max_historical_user_count": 6, "created_at": TS},
    ])
    frames["customers_db/trial_histories"] = pd.DataFrame([
        {"gl_namespace_id": 200, "start_date": dt.date(2026, 10, 1), "expired_on": None, "created_at": TS},
    ])
    frames["license_db/licenses"] = pd.DataFrame([
        {"id": i, "company": "Acme", "email": "x@example.com", "users_count": 10, "plan_code": "ultimate",
         "starts_at": dt.date(2025, 1, 1), "expires_at": dt.date(2027, 1, 1), "trial": trial,
         "zuora_subscription_id": sub, "zuora_subscription_name": name, "license_md5": md5,
         "created_at": TS, "updated_at": TS + pd.Timedelta(days=i)}
        for i, md5, sub, name, trial in LICENSES
    ])
    frames["version_db/usage_data"] = pd.DataFrame([
        {"id": i, "uuid": u, "hostname": f"host{h}", "host_id": h, "version": "17.0", "edition": "EE",
         "license_md5": md5, "license_subscription_id": lsid, "license_user_count": 10,
         "license_billable_users": 8, "historical_max_users": 9, "active_user_count": 7,
         "recorded_at": pd.Timestamp(ts), "created_at": pd.Timestamp(ts),
         "payload": json.dumps({"counts": {"ci_builds": 3}})}
        for i, u, h, md5, lsid, ts in PINGS
    ])
    return frames
