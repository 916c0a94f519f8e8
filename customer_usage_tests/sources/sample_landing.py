"""A tiny, hand-made landing folder covering every contract table.

Small enough to reason about row by row: `EXPECTED_COVERAGE` below is worked
out by hand from data-contract §4, and the comments say why each row counts.
"""

from __future__ import annotations

import pandas as pd

from customer_usage.sfdc_ids import to_18

TS = "2024-03-01T10:00:00Z"
S1, S2, S3, S3A, S3B = "0015e00000AbCdE", "0015e00000xYzQr", "0015e00000QQqqQ", "0015e00000MeRgA", "0015e00000mErGb"


def _frame(columns: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.strip() for c in columns.split(",")])


def sample_tables() -> dict[str, pd.DataFrame]:
    t = {}
    t["gitlab_dotcom/plans"] = _frame("id,name,title", [
        (34, "free", "Free"), (100, "premium", "Premium"), (101, "ultimate", "Ultimate"),
        (102, "ultimate_trial", "Ultimate Trial")])
    # 1, 2, 4, 5 are ultimate parents; 3 is a subgroup of 1.
    t["gitlab_dotcom/namespaces"] = _frame("id,name,path,type,parent_id,owner_id,created_at,updated_at", [
        (1, "acme", "acme", "Group", None, 10, TS, TS), (2, "beta", "beta", "Group", None, 10, TS, TS),
        (3, "acme-sub", "acme/sub", "Group", 1, 10, TS, TS), (4, "user4", "user4", "User", None, 11, TS, TS),
        (5, "trial", "trial", "Group", None, 11, TS, TS)])
    # paid: 1 (100) and 2 (101: its stale duplicate row 6 says free, the latest row wins).
    t["gitlab_dotcom/gitlab_subscriptions"] = _frame(
        "id,namespace_id,hosted_plan_id,seats,seats_in_use,max_seats_used,start_date,end_date,trial,"
        "trial_starts_on,trial_ends_on,created_at,updated_at", [
            (1, 1, 100, 10, 5, 6, "2024-01-01", None, False, None, None, TS, TS),
            (2, 2, 101, 20, 15, 16, "2024-01-01", None, False, None, None, TS, "2024-03-02T00:00:00Z"),
            (4, 4, 34, 0, 0, 0, None, None, False, None, None, TS, TS),
            (5, 5, 102, 0, 0, 0, None, None, True, "2024-02-01", "2024-03-01", TS, TS),
            (6, 2, 34, 0, 0, 0, None, None, False, None, None, TS, "2024-01-01T00:00:00Z")])
    t["gitlab_dotcom/members"] = _frame(
        "id,source_id,source_type,user_id,access_level,requested_at,created_at", [(1, 1, "Namespace", 10, 50, None, TS)])
    t["gitlab_dotcom/users"] = _frame("id,state,user_type,created_at", [(10, "active", None, TS), (11, "blocked", None, TS)])
    t["gitlab_dotcom/namespace_ping_metrics"] = _frame(
        "namespace_id,metric_path,counter_value,ping_date", [(1, "counts.ci_builds", 42.0, "2024-03-01")])

    t["zuora/product"] = _frame("id,name,sku", [("P1", "GitLab Premium", "SKU-1")])
    t["zuora/product_rate_plan"] = _frame("id,product_id,name", [
        ("PRP_SAAS", "P1", "SaaS - Premium"), ("PRP_SM", "P1", "Self-Managed - Premium")])
    # A1 18-char, A2 15-char (converted), A3 a merged account (chain S3A -> S3B -> S3),
    # A4 unknown, A5 no crm_id, A6 deleted: resolvable 3 of 4 (A1, A2, A3).
    t["zuora/account"] = _frame(
        "id,account_number,name,crm_id,status,currency,parent_id,created_date,updated_date,deleted", [
            ("A1", "N1", "Acme", to_18(S1), "Active", "USD", None, TS, TS, False),
            ("A2", "N2", "Beta", S2, "Active", "USD", None, TS, TS, False),
            ("A3", "N3", "Gamma", to_18(S3A), "Active", "USD", None, TS, TS, False),
            ("A4", "N4", "Delta", "0015e00000NoNeXAAA", "Active", "USD", None, TS, TS, False),
            ("A5", "N5", "Eps", None, "Active", "USD", None, TS, TS, False),
            ("A6", "N6", "Gone", to_18(S1), "Cancelled", "USD", None, TS, TS, True)])
    t["sfdc/account"] = _frame(
        "id,name,type,parent_id,ultimate_parent_account_id,master_record_id,is_deleted,billing_country,created_date", [
            (to_18(S1), "Acme", "Customer", None, to_18(S1), None, False, "US", TS),
            (to_18(S2), "Beta", "Customer", None, to_18(S2), None, False, "DE", TS),
            (to_18(S3), "Gamma", "Customer", None, to_18(S3), None, False, "FR", TS),
            (to_18(S3A), "Gamma old", "Customer", None, None, to_18(S3B), True, "FR", TS),
            (to_18(S3B), "Gamma mid", "Customer", None, None, to_18(S3), True, "FR", TS)])
    sub_cols = ("id,name,account_id,invoice_owner_id,original_id,previous_subscription_id,version,status,"
                "subscription_start_date,subscription_end_date,term_start_date,term_end_date,auto_renew,"
                "namespace_id,created_date,updated_date,deleted")
    t["zuora/subscription"] = _frame(sub_cols, [
        ("SUB1v1", "S-1", "A1", "A1", "SUB1v1", None, 1, "Expired", "2024-01-01", None, "2024-01-01", "2025-01-01", True, 1, TS, TS, False),
        ("SUB1v2", "S-1", "A1", "A1", "SUB1v1", "SUB1v1", 2, "Active", "2024-01-01", None, "2024-01-01", "2025-01-01", True, 1, TS, TS, False),
        ("SUB2", "S-2", "A2", "A2", "SUB2", None, 1, "Active", "2024-01-01", None, "2024-01-01", "2025-01-01", True, None, TS, TS, False),
        ("SUB3", "S-3", "A3", "A3", "SUB3", None, 1, "Active", "2024-01-01", None, "2024-01-01", "2025-01-01", True, None, TS, TS, False),
        ("SUBDEL", "S-D", "A4", "A4", "SUBDEL", None, 1, "Active", "2024-01-01", None, "2024-01-01", "2025-01-01", True, None, TS, TS, True)])
    t["zuora/rate_plan"] = _frame(
        "id,subscription_id,product_rate_plan_id,name,amendment_type,created_date,updated_date,deleted", [
            ("RP1", "SUB1v2", "PRP_SAAS", "SaaS - Premium", "NewProduct", TS, TS, False),
            ("RP3", "SUB3", "PRP_SM", "Self-Managed - Premium", "NewProduct", TS, TS, False)])
    t["zuora/rate_plan_charge"] = _frame(
        "id,rate_plan_id,product_rate_plan_charge_id,name,charge_type,mrr,quantity,effective_start_date,"
        "effective_end_date,segment,version,created_date,updated_date,deleted", [
            ("RPC1", "RP1", "PRPC1", "Seats", "Recurring", 190.0, 10, "2024-01-01", None, 1, 1, TS, TS, False),
            ("RPC3", "RP3", "PRPC3", "Seats", "Recurring", 95.0, 5, "2024-01-01", None, 1, 1, TS, TS, False)])

    t["customers_db/customers"] = _frame(
        "id,email,first_name,last_name,company,country,zuora_account_id,salesforce_account_id,created_at,updated_at", [
            (1, "a@acme.test", "Ann", "A", "Acme", "US", "A1", to_18(S1), TS, TS),
            (2, "b@beta.test", "Bob", "B", "Beta", "DE", "AZZZ", None, TS, TS),
            (3, "c@c.test", "Cy", "C", None, None, None, None, TS, TS),
            (4, "d@d.test", "Di", "D", None, None, "A6", None, TS, TS)])
    order_cols = ("id,customer_id,product_rate_plan_id,subscription_id,subscription_name,start_date,end_date,"
                  "quantity,gl_namespace_id,gl_namespace_name,trial,created_at,updated_at")
    t["customers_db/orders"] = _frame(order_cols, [
        (1, 1, "PRP_SAAS", "SUB1v1", "S-1", "2024-01-01", "2025-01-01", 10, 1, "acme", False, TS, TS),
        (2, 2, None, "SUB2", "S-2", "2024-01-01", "2025-01-01", 20, 3, "acme-sub", False, TS, TS),
        (3, 1, "PRP_SM", "SUB3", "S-3", "2024-01-01", "2025-01-01", 5, None, None, False, TS, TS),
        (4, 2, "PRP_SM", "NOPE", "S-9", "2024-01-01", "2025-01-01", 5, None, None, False, TS, TS),
        (5, 3, "PRP_SAAS", None, None, "2024-02-01", "2024-03-01", 1, 5, "trial", True, TS, TS),
        (6, 3, None, None, None, None, None, None, None, None, False, TS, TS),
        (7, 4, "PRP_SAAS", "SUBDEL", "S-D", "2024-01-01", "2025-01-01", 1, 99, "ghost", False, TS, TS)])
    t["customers_db/license_seat_links"] = _frame(
        "order_id,zuora_subscription_id,zuora_subscription_name,hostname,instance_identifier,report_date,"
        "active_user_count,license_user_count,max_historical_user_count,created_at", [
            (3, "SUB3", "S-3", "gitlab.gamma.test", "uuid-3", "2024-03-01", 4, 5, 5, TS)])
    t["customers_db/trial_histories"] = _frame(
        "gl_namespace_id,start_date,expired_on,created_at", [(5, "2024-02-01", "2024-03-01", TS)])
    # analysts' overrides of the hostname rule (data-contract §6); no hostname = every hostname of the uuid
    t["reference/installation_types"] = _frame("uuid,hostname,installation_type", [
        ("uuid-3", "gitlab.gamma.test", "Non-Production"), ("uuid-4", None, "Production")])
    t["license_db/licenses"] = _frame(
        "id,company,email,users_count,plan_code,starts_at,expires_at,trial,zuora_subscription_id,"
        "zuora_subscription_name,license_md5,created_at,updated_at", [
            (1, "Gamma", "g@g.test", 5, "premium", "2024-01-01", "2025-01-01", False, "SUB3", "S-3", "m1", TS, TS),
            (2, "Beta", "b@b.test", 5, "premium", "2024-01-01", "2025-01-01", False, "UNKNOWN", "S-2", "m2", TS, TS),
            (3, "Eps", "e@e.test", 5, "premium", "2024-01-01", "2025-01-01", False, None, None, "m3", TS, TS),
            (4, "Acme", "a@a.test", 5, "ultimate", "2024-01-01", "2024-02-01", True, "SUB1v2", "S-1", "m4", TS, TS)])
    payload = '{"counts": {"ci_builds": 3}}'
    ping_cols = ("id,uuid,hostname,host_id,version,edition,license_md5,license_subscription_id,license_user_count,"
                 "license_billable_users,historical_max_users,active_user_count,recorded_at,created_at,payload")
    t["version_db/usage_data"] = _frame(ping_cols, [
        (1, "uuid-1", "h1", 1, "16.0", "EE", "m1", None, 5, 4, 4, 4, TS, TS, payload),      # via license md5
        (2, "uuid-2", "h2", 2, "16.0", "EE", "m2", "SUB2", 5, 4, 4, 4, TS, TS, payload),    # via license_subscription_id
        (3, "uuid-2", "h2", 2, "16.0", "EE", "m2", None, 5, 4, 4, 4, TS, TS, payload),      # license invalid: unmapped
        (4, "uuid-4", "h4", 4, "16.0", "EE", "zz", None, 5, 4, 4, 4, TS, TS, payload),      # unknown license
        (5, "uuid-5", "h5", 5, "16.0", "CE", None, "SUB1v1", None, None, 3, 3, TS, TS, payload),  # no md5: excluded
        (6, "uuid-6", "h6", 6, "16.0", "EE", "m4", None, 5, 4, 4, 4, TS, TS, payload)])     # trial license, valid
    return t


# measure -> (numerator, denominator), worked out from the rows above.
EXPECTED_COVERAGE = {
    "paid_namespaces_with_order": (1, 2),           # ns 1 has order 1; ns 2 has none
    "saas_orders_with_valid_namespace": (1, 3),     # orders 1 ok; 2 on a subgroup; 7 unknown namespace
    "orders_with_zuora_subscription": (3, 5),       # 1, 2, 3 found; 4 unknown; 7 deleted
    "customers_with_zuora_account": (1, 3),         # customer 1; 2 unknown; 4 deleted account
    "sm_orders_with_license": (1, 3),               # order 3 (S-3); 4 and 6 have none
    "licenses_with_valid_subscription": (1, 3),     # license 1; 2 unknown; 3 missing (4 is a trial)
    "pings_with_known_license": (4, 5),             # pings 1, 2, 3, 6; ping 4 unknown md5
    "pings_mapped_to_subscription": (3, 5),         # pings 1, 2, 6
    "billing_accounts_with_crm_account": (3, 4),    # A1, A2 (15-char), A3 (merge chain); A4 unknown
}
