"""A small landing folder for customer health (data-contract §6): every row is
there for a case. AS_OF is 2026-10-15; the earliest lineage starts 2025-10, so
the monthly models cover 2025-10 .. 2026-10.

Self-Managed lineages, one Salesforce account each unless said otherwise:
  O_SL   (ACC_SL)  seat links in September (one) and October (two; the 20th wins),
                   no ping at all.
  O_PS   (ACC_PS)  October pings from `gitlab.prod-co.com` (billable 10) and
                   `staging.gitlab.prod-co.com` (billable 50: more users, still not
                   primary) and `gitlab-ci.prod-co.com` (Production by its hostname,
                   Non-Production by reference/installation_types.csv).
  O_AGE3, O_AGE8, O_AGE12 (ACC_3, ACC_8, ACC_12) start 2026-07, 2026-02 and 2025-10:
                   account ages 3, 8 and 12 in October; each reports 60 billable
                   of 100 licensed (utilisation .60) -> Green, Yellow, Red.
  O_W1, O_W2 (both ACC_W) start 2025-10, ARR 12,000 and 1,200; in October scm is
                   .60 (Green, 88) on O_W1 and .10 (Red, 25) on O_W2.
In 2025-10 only O_AGE12 (100 seats), O_W1 and O_W2 (50 seats each) are in effect
and only O_AGE12 pings: half the seats report, estimated = 2 x recorded.
Free usage: an unlicensed installation `free.example.org` and free namespace 900.
"""

from __future__ import annotations

import pandas as pd

from customer_usage.sfdc_ids import to_18
from customer_usage_tests.dbt.marts.landing_data import EVENTS, TS, _charge, _frame, _namespace_metric, _ping, _subscription
from customer_usage.sources.contract import load_contract

AS_OF = "2026-10-15"
SCM = "usage_activity_by_stage_monthly.create.action_monthly_active_users_project_repo"
CI = "usage_activity_by_stage_monthly.verify.ci_pipelines"
CD = "usage_activity_by_stage_monthly.release.deployments"
SECURITY = "usage_activity_by_stage_monthly.secure.user_unique_users_all_secure_scanners"

ACCOUNTS = {name: to_18(f"001Hb0000{i:06d}") for i, name in
            enumerate(["ACC_SL", "ACC_PS", "ACC_3", "ACC_8", "ACC_12", "ACC_W"], start=1)}
# lineage -> (account, start, seats, mrr)
LINEAGES = {
    "O_SL": ("ACC_SL", "2026-06-01", 20, 100.0),
    "O_PS": ("ACC_PS", "2026-06-01", 30, 100.0),
    "O_AGE3": ("ACC_3", "2026-07-01", 100, 100.0),
    "O_AGE8": ("ACC_8", "2026-02-01", 100, 100.0),
    "O_AGE12": ("ACC_12", "2025-10-01", 100, 100.0),
    "O_W1": ("ACC_W", "2025-10-01", 50, 1000.0),
    "O_W2": ("ACC_W", "2025-10-01", 50, 100.0),
}


def sub_id(lineage: str) -> str:
    return "S_" + lineage[2:]


def _subscriptions() -> list[dict]:
    rows = []
    for lineage, (account, start, _, _) in LINEAGES.items():
        row = _subscription(sub_id(lineage), lineage, 1, "Active", pd.Timestamp(start).date())
        row.update(account_id=f"Z_{account}", invoice_owner_id=f"Z_{account}")
        rows.append(row)
    return rows


def _charges() -> list[dict]:
    rows = []
    for lineage, (_, start, seats, mrr) in LINEAGES.items():
        row = _charge(f"C_{lineage}", f"RP_{sub_id(lineage)}", seats, pd.Timestamp(start).date())
        row["mrr"] = mrr
        rows.append(row)
    return rows


def _paid_ping(id_, lineage, uuid, host_id, hostname, day, billable, metrics, seats=None):
    return _ping(id_, uuid, host_id, hostname, day, subscription_id=sub_id(lineage),
                 seats=seats or LINEAGES[lineage][2], billable=billable, active=billable, historical=billable,
                 metrics=metrics)


def _pings() -> list[dict]:
    oct_ = "2026-10-05"
    healthy = {EVENTS: 50, SCM: 30, CI: 19, CD: 5, SECURITY: 10}
    return [
        _paid_ping(1, "O_PS", "u-ps-prod", 1, "gitlab.prod-co.com", oct_, 10, {EVENTS: 9}),
        _paid_ping(2, "O_PS", "u-ps-stg", 2, "staging.gitlab.prod-co.com", oct_, 50, {EVENTS: 45}),
        _paid_ping(3, "O_PS", "u-ps-ci", 3, "gitlab-ci.prod-co.com", oct_, 80, {EVENTS: 70}),
        _paid_ping(4, "O_AGE3", "u-3", 4, "gitlab.three.com", oct_, 60, healthy),
        _paid_ping(5, "O_AGE8", "u-8", 5, "gitlab.eight.com", oct_, 60, healthy),
        _paid_ping(6, "O_AGE12", "u-12", 6, "gitlab.twelve.com", oct_, 60, healthy),
        _paid_ping(7, "O_AGE12", "u-12", 6, "gitlab.twelve.com", "2025-10-20", 40, {EVENTS: 40}),
        _paid_ping(8, "O_W1", "u-w1", 8, "gitlab.w1.com", oct_, 10, {EVENTS: 9, SCM: 6}),
        _paid_ping(9, "O_W2", "u-w2", 9, "gitlab.w2.com", oct_, 10, {EVENTS: 9, SCM: 1}),
        _ping(10, "u-free", 10, "free.example.org", "2026-10-07", metrics={EVENTS: 4}),
    ]


def _seat_link(day, active, created_hour=1):
    return {"order_id": 1, "zuora_subscription_id": None, "zuora_subscription_name": "o_sl",
            "hostname": "gitlab.sl-co.com", "instance_identifier": "u-sl", "report_date": pd.Timestamp(day).date(),
            "active_user_count": active, "license_user_count": 20, "max_historical_user_count": active + 1,
            "created_at": pd.Timestamp(day) + pd.Timedelta(hours=created_hour)}


def tables() -> dict[str, pd.DataFrame]:
    sfdc = [{"id": crm, "name": name, "type": "Customer", "is_deleted": False, "billing_country": "DE",
             "created_date": TS} for name, crm in ACCOUNTS.items()]
    zuora_accounts = [{"id": f"Z_{name}", "account_number": f"A-{name}", "name": name, "crm_id": crm,
                       "status": "Active", "currency": "USD", "created_date": TS, "updated_date": TS,
                       "deleted": False} for name, crm in ACCOUNTS.items()]
    frames = {
        "sfdc/account": _frame("sfdc", "account", sfdc),
        "zuora/account": _frame("zuora", "account", zuora_accounts),
        "zuora/product": _frame("zuora", "product", [{"id": "P1", "name": "GitLab", "sku": "GL"}]),
        "zuora/product_rate_plan": _frame("zuora", "product_rate_plan", [
            {"id": "PRP_SM_PREM", "product_id": "P1", "name": "Self-Managed - Premium"}]),
        "zuora/subscription": _frame("zuora", "subscription", _subscriptions()),
        "zuora/rate_plan": _frame("zuora", "rate_plan", [
            {"id": f"RP_{sub_id(l)}", "subscription_id": sub_id(l), "product_rate_plan_id": "PRP_SM_PREM",
             "name": "plan", "amendment_type": "NewProduct", "created_date": TS, "updated_date": TS,
             "deleted": False} for l in LINEAGES]),
        "zuora/rate_plan_charge": _frame("zuora", "rate_plan_charge", _charges()),
        "version_db/usage_data": _frame("version_db", "usage_data", _pings()),
        "customers_db/license_seat_links": _frame("customers_db", "license_seat_links", [
            _seat_link("2026-09-12", 11),
            _seat_link("2026-10-05", 12),
            _seat_link("2026-10-20", 15),
        ]),
        "reference/installation_types": _frame("reference", "installation_types", [
            {"uuid": "u-ps-ci", "hostname": "gitlab-ci.prod-co.com", "installation_type": "Non-Production"}]),
        "gitlab_dotcom/namespaces": _frame("gitlab_dotcom", "namespaces", [
            {"id": 900, "name": "hobby", "path": "hobby", "type": "Group", "owner_id": 1, "created_at": TS,
             "updated_at": TS}]),
        "gitlab_dotcom/plans": _frame("gitlab_dotcom", "plans", [
            {"id": i, "name": n, "title": n.title()} for i, n in [(34, "free"), (100, "premium"), (102, "ultimate_trial")]]),
        "gitlab_dotcom/namespace_ping_metrics": _frame("gitlab_dotcom", "namespace_ping_metrics", [
            _namespace_metric(900, EVENTS, 2, "2026-10-03"),
            _namespace_metric(900, EVENTS, 3, "2026-10-09")]),
    }
    for spec in load_contract():
        frames.setdefault(f"{spec.system}/{spec.table}", _frame(spec.system, spec.table, []))
    return frames
