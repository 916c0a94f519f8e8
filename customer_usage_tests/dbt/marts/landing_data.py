"""A small landing folder for the monthly mart: every row is there for a case.

AS_OF is 2026-10-15, so the mart covers June to October 2026.

Self-Managed lineage O_SM1 (Active, version 2, seats 50 -> 60 from September):
  I1 (uuid u1, host 1, h1, license_md5 -> license naming version 1):
    June one ping; July two pings (the 20th wins over the 5th); August none;
    September one ping with a `-1` and absent metrics; October one ping.
  I2 (uuid u2, host 2, h2, license_subscription_id = version 2): October only.
Self-Managed lineage O_SM2 (Cancelled, June 1 - August 20; its charge ends in
  August so Zuora has no seats for August): I3 pings in August (seats from the
  ping) and September (after the end: no row).
GitLab.com lineage O_SAAS1: namespace_id 100 on the subscription, starts July.
GitLab.com lineage O_SAAS2: no namespace on the subscription, a paid order on
  namespace 200 (a `Paid All Matching` bridge row); no Zuora charges, so seats
  come from gitlab_subscriptions in the AS_OF month only.
Not in the mart: a trial lineage, a Draft-only lineage, unmapped pings.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import pandas as pd

from customer_usage.catalog.catalog import extracted_metrics
from customer_usage.sfdc_ids import to_18
from customer_usage.sources.contract import load_contract

AS_OF = "2026-10-15"
CRM = to_18("001Ab00000AbCdE")
TS = pd.Timestamp("2026-01-01 00:00:00")

EVENTS = "usage_activity_by_stage_monthly.manage.events"
PIPELINES = "usage_activity_by_stage_monthly.verify.ci_pipelines"
PUSHES = "counts.source_code_pushes"
REGISTRY = "container_registry_enabled"
OBJECT_STORE = "object_store.packages.enabled"


def payload(values: Mapping[str, Any], default: int | None = 3, absent: Iterable[str] = ()) -> str:
    """A nested Service Ping document: every catalog metric set to `default` unless
    given in `values`, paths in `absent` left out."""
    doc: dict = {"uuid": "x", "version": "17.0.0", "counts": {"boards": 1}}
    absent = set(absent)
    for metric in extracted_metrics():
        if metric.key_path in absent:
            continue
        value = values.get(metric.key_path, True if metric.counts == "setting" else default)
        node = doc
        *parents, leaf = metric.key_path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return json.dumps(doc)


def _frame(system: str, table: str, rows: list[dict]) -> pd.DataFrame:
    spec = next(s for s in load_contract() if s.system == system and s.table == table)
    return pd.DataFrame([{c: r.get(c) for c in spec.column_names} for r in rows], columns=list(spec.column_names))


def _subscription(id_, original, version, status, start, end=None, namespace=None, name=None):
    return {"id": id_, "name": name or original.lower(), "account_id": "ZA1", "invoice_owner_id": "ZA1",
            "original_id": original, "previous_subscription_id": None, "version": version, "status": status,
            "subscription_start_date": start, "subscription_end_date": end, "term_start_date": start,
            "term_end_date": end, "auto_renew": True, "namespace_id": namespace, "created_date": TS,
            "updated_date": TS, "deleted": False}


def _charge(id_, rate_plan, quantity, start, end=None):
    return {"id": id_, "rate_plan_id": rate_plan, "product_rate_plan_charge_id": "PRPC", "name": "seats",
            "charge_type": "Recurring", "mrr": 100.0, "quantity": quantity, "effective_start_date": start,
            "effective_end_date": end, "segment": 1, "version": 1, "created_date": TS, "updated_date": TS,
            "deleted": False}


def _ping(id_, uuid, host_id, hostname, recorded_at, md5=None, subscription_id=None, seats=None, metrics=None,
          absent=(), billable=None, active=None, historical=None):
    return {"id": id_, "uuid": uuid, "hostname": hostname, "host_id": host_id, "version": "17.0.0",
            "edition": "EE", "license_md5": md5, "license_subscription_id": subscription_id,
            "license_user_count": seats, "license_billable_users": billable, "historical_max_users": historical,
            "active_user_count": active, "recorded_at": pd.Timestamp(recorded_at),
            "created_at": pd.Timestamp(recorded_at), "payload": payload(metrics or {}, absent=absent)}


def _namespace_metric(namespace_id, path, value, day):
    return {"namespace_id": namespace_id, "metric_path": path, "counter_value": value,
            "ping_date": pd.Timestamp(day).date()}


def tables() -> dict[str, pd.DataFrame]:
    d = lambda s: pd.Timestamp(s).date()  # noqa: E731
    frames = {
        "sfdc/account": _frame("sfdc", "account", [
            {"id": CRM, "name": "Acme", "type": "Customer", "is_deleted": False, "billing_country": "DE",
             "created_date": TS}]),
        "zuora/account": _frame("zuora", "account", [
            {"id": "ZA1", "account_number": "A-1", "name": "Acme billing", "crm_id": CRM, "status": "Active",
             "currency": "USD", "created_date": TS, "updated_date": TS, "deleted": False}]),
        "zuora/product": _frame("zuora", "product", [{"id": "P1", "name": "GitLab", "sku": "GL"}]),
        "zuora/product_rate_plan": _frame("zuora", "product_rate_plan", [
            {"id": "PRP_SM_PREM", "product_id": "P1", "name": "Self-Managed - Premium"},
            {"id": "PRP_SAAS_ULT", "product_id": "P1", "name": "SaaS - Ultimate"},
            {"id": "PRP_SAAS_TRIAL", "product_id": "P1", "name": "SaaS - Trial"}]),
        "zuora/subscription": _frame("zuora", "subscription", [
            _subscription("S_SM1_V1", "O_SM1", 1, "Expired", d("2026-06-01")),
            _subscription("S_SM1_V2", "O_SM1", 2, "Active", d("2026-06-01")),
            _subscription("S_SM2", "O_SM2", 1, "Cancelled", d("2026-06-01"), d("2026-08-20")),
            _subscription("S_SAAS1", "O_SAAS1", 1, "Active", d("2026-07-01"), namespace=100),
            _subscription("S_SAAS2", "O_SAAS2", 1, "Active", d("2026-06-01")),
            _subscription("S_TRIAL", "O_TRIAL", 1, "Active", d("2026-06-01"), namespace=300),
            _subscription("S_DRAFT", "O_DRAFT", 1, "Draft", d("2026-06-01"))]),
        "zuora/rate_plan": _frame("zuora", "rate_plan", [
            {"id": f"RP_{s}", "subscription_id": s, "product_rate_plan_id": prp, "name": "plan",
             "amendment_type": "NewProduct", "created_date": TS, "updated_date": TS, "deleted": False}
            for s, prp in [("S_SM1_V1", "PRP_SM_PREM"), ("S_SM1_V2", "PRP_SM_PREM"), ("S_SM2", "PRP_SM_PREM"),
                           ("S_SAAS1", "PRP_SAAS_ULT"), ("S_SAAS2", "PRP_SAAS_ULT"),
                           ("S_TRIAL", "PRP_SAAS_TRIAL"), ("S_DRAFT", "PRP_SM_PREM")]]),
        "zuora/rate_plan_charge": _frame("zuora", "rate_plan_charge", [
            _charge("C_SM1_V1", "RP_S_SM1_V1", 40, d("2026-06-01")),  # old version: never counts
            _charge("C_SM1_A", "RP_S_SM1_V2", 50, d("2026-06-01"), d("2026-09-01")),
            _charge("C_SM1_B", "RP_S_SM1_V2", 60, d("2026-09-01")),
            _charge("C_SM2", "RP_S_SM2", 10, d("2026-06-01"), d("2026-08-20")),
            _charge("C_SAAS1", "RP_S_SAAS1", 25, d("2026-07-01"))]),
        "license_db/licenses": _frame("license_db", "licenses", [
            {"id": 1, "company": "Acme", "email": "it@acme.test", "users_count": 50, "plan_code": "premium",
             "starts_at": d("2026-06-01"), "expires_at": d("2027-06-01"), "trial": False,
             "zuora_subscription_id": "S_SM1_V1", "zuora_subscription_name": "o_sm1", "license_md5": "md5a",
             "created_at": TS, "updated_at": TS},
            {"id": 2, "company": "Acme", "email": "it@acme.test", "users_count": 10, "plan_code": "premium",
             "starts_at": d("2026-06-01"), "expires_at": d("2026-08-20"), "trial": False,
             "zuora_subscription_id": "S_SM2", "zuora_subscription_name": "o_sm2", "license_md5": "md5b",
             "created_at": TS, "updated_at": TS}]),
        "version_db/usage_data": _frame("version_db", "usage_data", [
            _ping(1, "u1", 1, "h1", "2026-06-10", md5="md5a", seats=50, billable=40, active=41, historical=42,
                  metrics={EVENTS: 10}),
            _ping(2, "u1", 1, "h1", "2026-07-05", md5="md5a", seats=50, billable=43, metrics={EVENTS: 11}),
            _ping(3, "u1", 1, "h1", "2026-07-20", md5="md5a", seats=50, billable=44, active=45, historical=46,
                  metrics={EVENTS: 12, PUSHES: 500}),
            _ping(4, "u1", 1, "h1", "2026-09-12", md5="md5a", seats=60, billable=45,
                  metrics={EVENTS: -1, PIPELINES: 0}, absent=[PUSHES, OBJECT_STORE]),
            _ping(5, "u1", 1, "h1", "2026-10-03", md5="md5a", seats=60, billable=48, metrics={EVENTS: 14}),
            _ping(6, "u2", 2, "h2", "2026-10-04", subscription_id="S_SM1_V2", seats=60, billable=5,
                  metrics={REGISTRY: False}),
            _ping(7, "u3", 3, "h3", "2026-08-11", md5="md5b", seats=12, billable=9, metrics={EVENTS: 7}),
            _ping(8, "u3", 3, "h3", "2026-09-11", md5="md5b", seats=12, billable=9),
            # free instance: no license at all; one count too large for BIGINT, one a string
            _ping(9, "u9", 9, "h9", "2026-10-01", metrics={PUSHES: 10**22, "counts.commit_comment": "lots"}),
            _ping(10, "u8", 8, "h8", "2026-10-02", md5="unknown", subscription_id="S_NOT_IN_ZUORA")]),
        "gitlab_dotcom/namespaces": _frame("gitlab_dotcom", "namespaces", [
            {"id": 100, "name": "acme", "path": "acme", "type": "Group", "owner_id": 1, "created_at": TS,
             "updated_at": TS},
            {"id": 200, "name": "beta", "path": "beta", "type": "Group", "owner_id": 1, "created_at": TS,
             "updated_at": TS},
            {"id": 201, "name": "beta-sub", "path": "beta-sub", "type": "Group", "parent_id": 200, "owner_id": 1,
             "created_at": TS, "updated_at": TS}]),
        "gitlab_dotcom/plans": _frame("gitlab_dotcom", "plans", [
            {"id": i, "name": n, "title": n.title()} for i, n in
            [(34, "free"), (100, "premium"), (101, "ultimate"), (102, "ultimate_trial")]]),
        "gitlab_dotcom/gitlab_subscriptions": _frame("gitlab_dotcom", "gitlab_subscriptions", [
            {"id": 1, "namespace_id": 100, "hosted_plan_id": 101, "seats": 30, "seats_in_use": 28,
             "max_seats_used": 29, "start_date": d("2026-07-01"), "trial": False, "created_at": TS,
             "updated_at": TS},
            {"id": 2, "namespace_id": 200, "hosted_plan_id": 100, "seats": 15, "seats_in_use": 16,
             "max_seats_used": 17, "start_date": d("2026-06-01"), "trial": False, "created_at": TS,
             "updated_at": TS}]),
        "gitlab_dotcom/namespace_ping_metrics": _frame("gitlab_dotcom", "namespace_ping_metrics", [
            _namespace_metric(100, EVENTS, 5, "2026-07-10"),
            _namespace_metric(100, EVENTS, 7, "2026-07-28"),
            _namespace_metric(100, PUSHES, 900, "2026-07-10"),  # older date, but the latest for its metric
            _namespace_metric(100, "counts.not_in_catalog", 1, "2026-07-30"),  # only moves ping_created_at
            _namespace_metric(100, EVENTS, -1, "2026-08-28"),
            _namespace_metric(100, REGISTRY, 1, "2026-09-28"),
            _namespace_metric(100, EVENTS, 9, "2026-10-05"),
            _namespace_metric(200, EVENTS, 3, "2026-10-06")]),
        "customers_db/orders": _frame("customers_db", "orders", [
            {"id": 1, "customer_id": 1, "product_rate_plan_id": "PRP_SAAS_ULT", "subscription_id": "S_SAAS2",
             "subscription_name": "o_saas2", "start_date": d("2026-06-01"), "quantity": 15,
             "gl_namespace_id": 200, "gl_namespace_name": "beta", "trial": False, "created_at": TS,
             "updated_at": TS}]),
    }
    for spec in load_contract():
        frames.setdefault(f"{spec.system}/{spec.table}", _frame(spec.system, spec.table, []))
    return frames
