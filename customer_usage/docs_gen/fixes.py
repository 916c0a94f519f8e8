"""What each defect of rpt_integration_defects blocks downstream and how to fix it: the
prose of the ranked fix list in docs/integration-challenges.md (numbers come from the
warehouse; this is the text beside them)."""

from __future__ import annotations

# defect -> (what it blocks downstream, the fix)
DEFECTS: dict[str, tuple[str, str]] = {
    "order_namespace_not_found": (
        "the order's subscription gets no GitLab.com namespace: its mart rows carry NULL `dim_namespace_id` and "
        "no seats in use or namespace metrics, so the Salesforce/Gainsight usage fields stay empty",
        "validate `gl_namespace_id` against GitLab.com when the order is saved in the portal; repair existing "
        "orders from the namespace the subscription was provisioned on",
    ),
    "order_linked_to_non_ultimate_parent_namespace": (
        "the namespace rolls up to the ultimate parent only in the bridge, the order itself is not "
        "`Paid All Matching`; usage of the top-level group is not tied to the order",
        "store the top-level group in the portal (resolve `parent_id` before saving) and re-point existing orders",
    ),
    "paid_order_missing_namespace_assignment": (
        "a paid GitLab.com subscription without a namespace: mart rows without metrics, seats in use or "
        "`billable_user_count`; exports send seats and ARR only",
        "make the namespace a required step of SaaS checkout and chase customers who skipped it",
    ),
    "free_order_missing_namespace_assignment": (
        "nothing paid is lost; free/trial usage cannot be linked to the portal customer",
        "low priority: assign the namespace when the trial starts",
    ),
    "paid_namespace_missing_zuora_subscription": (
        "a paid namespace whose order names no Zuora subscription: no ARR, seats or account on its usage",
        "fix the order's `subscription_id` from Zuora (by subscription name) and reject unknown ids at save",
    ),
    "paid_namespace_missing_order": (
        "a paying namespace (often provisioned by support) with no customer or subscription: its usage appears "
        "only as a namespace customer in `dim_customer`, never in the paid mart",
        "create the missing orders for support-provisioned namespaces; require an order for plan changes",
    ),
    "trial_namespace_missing_order": (
        "trial usage without a portal customer: the trial cannot be attributed to a lead",
        "record trials started outside the portal as trial orders",
    ),
    "paid_subscription_missing_order": (
        "a GitLab.com subscription in effect with no order: no namespace unless Zuora's `namespace_id` is set, so "
        "its mart rows lack usage and its account's usage fields are blank",
        "backfill orders for subscriptions sold outside the portal (sales-assisted), or set "
        "`subscription.namespace_id` in Zuora",
    ),
    "order_subscription_not_in_zuora": (
        "the order cannot be priced or tied to a lineage: seats and ARR are missing from the customer's rows",
        "repair the `subscription_id` from the subscription name; block ids Zuora does not know",
    ),
    "customer_zuora_account_not_in_zuora": (
        "the portal customer has no billing account, so it reaches Salesforce only through its own "
        "`salesforce_account_id`",
        "re-link the customer to its Zuora account (account number) and validate at save",
    ),
    "sm_order_without_license": (
        "the Self-Managed order's instance cannot be found: its lineage has mart rows without installations "
        "or ping metrics, and exports send seats and ARR only",
        "issue the license for the order's subscription name (or correct the name on the license)",
    ),
    "license_missing_subscription_id": (
        "every ping of the license maps to no subscription: installations appear as free customers and the "
        "paid lineage shows no usage",
        "fill `zuora_subscription_id` from the license's subscription name in the license app",
    ),
    "license_subscription_not_in_zuora": (
        "as a missing id: the license's pings map to no subscription",
        "correct the id to the Zuora subscription of the license's subscription name",
    ),
    "ping_license_unknown": (
        "without `license_subscription_id` the ping maps to no subscription; with it, usage still maps "
        "(the ARR shown is then the lineage the ping reaches, not ARR lost)",
        "find the license file the instance runs (license app history) and register its md5; upgrade instances "
        "so pings carry `license_subscription_id`",
    ),
    "ping_unmapped_to_subscription": (
        "usage of a known license that names no valid subscription: the installation's metrics never reach "
        "the paid mart or the exports",
        "fix the license's subscription id (see the two license defects): these pings map on the next run",
    ),
    "billing_account_crm_unresolved": (
        "the billing account has no Salesforce account: its lineages' mart rows carry NULL `dim_crm_account_id` "
        "and no Salesforce or Gainsight row receives their usage, seats or ARR",
        "correct `crm_id` in Zuora to the surviving account (merged accounts resolve on their own)",
    ),
}


def blocks(defect: str) -> str:
    return DEFECTS.get(defect, ("(not described)", ""))[0]


def fix(defect: str) -> str:
    return DEFECTS.get(defect, ("", "(not described)"))[1]
