"""The ground truth: what really happened in the simulated business, and what a correct
implementation of data-contract §4 must recover from the landing data.

Layout and meaning: GROUND_TRUTH.md next to this module.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from customer_usage_sim.config import PAID_PLAN_IDS, TRIAL_PLAN_IDS

DEFECT_COLUMNS = ["system", "table", "row_key", "defect", "detail"]


def _customer_type(plan: np.ndarray) -> np.ndarray:
    return np.where(np.isin(plan, PAID_PLAN_IDS), "paid", np.where(np.isin(plan, TRIAL_PLAN_IDS), "trial", "free"))


def current_plans(gs: pd.DataFrame) -> pd.Series:
    """Plan per namespace from the latest `updated_at` row (the contract's dedup rule)."""
    latest = gs.sort_values(["namespace_id", "updated_at", "id"]).drop_duplicates("namespace_id", keep="last")
    return latest.set_index("namespace_id")["hosted_plan_id"]


def namespaces(world: dict) -> pd.DataFrame:
    ns = world["gitlab_dotcom/namespaces"]
    tops = world["_tops"]
    subs = world["_subgroups"]
    lin = world["_lineages"].set_index("lineage")
    cust = world["_customers"]
    plan_now = current_plans(world["gitlab_dotcom/gitlab_subscriptions"])
    top_of = pd.Series(tops["namespace_id"].to_numpy()[subs["top"].to_numpy()], index=subs["namespace_id"].to_numpy())
    ids = ns["id"].to_numpy().copy()
    up = pd.Series(ids.copy(), index=ids.copy())
    up.update(top_of)
    ultimate = up.to_numpy()
    plan = pd.Series(ultimate).map(plan_now).fillna(34).astype(np.int64).to_numpy()
    tinfo = tops.set_index("namespace_id")
    lineage = pd.Series(ultimate).map(tinfo["lineage"]).fillna(-1).astype(int).to_numpy()
    has_lin = lineage >= 0
    safe = np.maximum(lineage, 0)
    orig = np.where(has_lin, lin["original_id"].reindex(safe).to_numpy(), None)
    crm = np.where(has_lin, cust["crm_account_id"].to_numpy()[lin["customer"].reindex(safe).to_numpy()], None)
    paid_tops = tops[tops["lineage"] >= 0]
    no_order_by_ns = pd.Series(lin["no_order"].reindex(paid_tops["lineage"]).to_numpy(dtype=bool),
                               index=paid_tops["namespace_id"].to_numpy())
    no_order = pd.Series(ids).map(no_order_by_ns).astype("boolean").fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame({
        "namespace_id": ids,
        "ultimate_parent_namespace_id": ultimate,
        "is_ultimate_parent": ultimate == ids,
        "namespace_type": ns["type"].to_numpy(),
        "customer_type": _customer_type(plan),
        "current_plan_id": plan,
        "true_original_id": orig,
        "true_crm_account_id": crm,
        "true_customer_key": np.where(has_lin, np.array([f"crm:{c}" for c in crm], dtype=object),
                                      np.array([f"namespace:{u}" for u in ultimate], dtype=object)),
        "defects": np.where(no_order & (ultimate == ids), "paid_namespace_without_order", ""),
    })


def orders(world: dict, ns_truth: pd.DataFrame) -> pd.DataFrame:
    o = world["customers_db/orders"]
    plans = dict(zip(world["zuora/product_rate_plan"]["id"], world["zuora/product_rate_plan"]["name"]))
    lin = world["_lineages"].set_index("lineage")
    cust = world["_customers"]
    zuora_ids = set(world["zuora/subscription"]["id"])
    trial = o["trial"].to_numpy(dtype=bool)
    has_sub = o["subscription_id"].notna().to_numpy()
    order_type = np.where(trial, "trial", np.where(has_sub, "paid", "free"))
    plan_name = o["product_rate_plan_id"].map(plans)
    gl = o["gl_namespace_id"]
    has_gl = gl.notna().to_numpy()
    saas = plan_name.fillna("").str.startswith("SaaS - ").to_numpy() | (plan_name.isna().to_numpy() & has_gl)
    nsx = ns_truth.set_index("namespace_id")
    exists = gl.isin(nsx.index).to_numpy()
    glv = gl.fillna(-1).astype(np.int64).to_numpy()
    is_sub = exists & ~pd.Series(glv).map(nsx["is_ultimate_parent"]).astype("boolean").fillna(True).to_numpy(dtype=bool)
    ns_type = pd.Series(glv).map(nsx["customer_type"]).to_numpy()
    in_zuora = o["subscription_id"].isin(zuora_ids).to_numpy()
    paid = order_type == "paid"
    status = np.select(
        [has_gl & ~exists, is_sub, paid & ~has_gl, ~paid & ~has_gl,
         (ns_type == "paid") & paid & ~in_zuora, (ns_type == "paid") & paid & in_zuora,
         (ns_type == "trial") & trial],
        ["Order Namespace Not Found", "Order Linked to Non-Ultimate Parent Namespace",
         "Paid Order Missing Namespace Assignment", "Free Order Missing Namespace Assignment",
         "Paid Namespace Missing Zuora Subscription", "Paid All Matching", "Trial All Matching"],
        default="",
    )
    lineage = o["_lineage"].to_numpy()
    has_lin = (lineage >= 0) & ~trial
    safe = np.maximum(lineage, 0)
    return pd.DataFrame({
        "order_id": o["id"].to_numpy(),
        "order_type": order_type,
        "deployment_type": np.where(saas, "GitLab.com", "Self-Managed"),
        "in_bridge": saas,
        "true_namespace_id": pd.array(o["_true_ns"].to_numpy(), dtype="Float64").astype("Int64"),
        "true_original_id": np.where(has_lin, lin["original_id"].reindex(safe).to_numpy(), None),
        "true_crm_account_id": np.where(lineage >= 0, cust["crm_account_id"].to_numpy()[lin["customer"].reindex(safe).to_numpy()], None),
        "expected_match_status": np.where(saas & (status != ""), status, None),
        "defects": o["_defects"].to_numpy(),
    })


def subscriptions(world: dict, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    lin = world["_lineages"]
    ver = world["_versions"]
    chg = world["_charges"]
    cust = world["_customers"]
    bt = world["_billing_truth"].set_index("billing_account_id")
    tops = world["_tops"]
    latest = ver[ver["is_latest"]].set_index("lineage").loc[lin["lineage"]]
    as_of_m = np.datetime64(as_of, "M")
    start = lin["start"].to_numpy(dtype="datetime64[D]")
    end = latest["end"].to_numpy(dtype="datetime64[D]")

    def in_effect(month: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
        first = month.astype("datetime64[D]")
        last = (month + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        return (s <= last) & (np.isnat(e) | (e > first))

    ns_of = tops[tops["lineage"] >= 0].set_index("lineage")["namespace_id"]
    zns = world["zuora/subscription"].drop_duplicates("original_id").set_index("original_id")["namespace_id"]
    crm = cust["crm_account_id"].to_numpy()[lin["customer"].to_numpy()]
    subs = pd.DataFrame({
        "original_id": lin["original_id"].to_numpy(),
        "latest_subscription_id": lin["latest_subscription_id"].to_numpy(),
        "subscription_name": lin["name"].to_numpy(),
        "n_versions": lin["n_versions"].to_numpy(np.int64),
        "deployment_type": np.where(lin["deployment"] == "SaaS", "GitLab.com", "Self-Managed"),
        "product_tier": lin["tier"].to_numpy(),
        "status": lin["status"].to_numpy(),
        "subscription_start_date": start,
        "subscription_end_date": end,
        "billing_account_id": lin["billing_account_id"].to_numpy(),
        "true_crm_account_id": crm,
        "expected_crm_account_id": bt["expected_crm_account_id"].reindex(lin["billing_account_id"]).to_numpy(),
        "true_namespace_id": pd.array(lin["lineage"].map(ns_of).to_numpy(), dtype="Float64").astype("Int64"),
        "zuora_namespace_id": pd.array(lin["original_id"].map(zns).astype("Float64").to_numpy(), dtype="Float64").astype("Int64"),
        "in_effect_as_of": in_effect(np.full(len(lin), as_of_m), start, end),
    })

    # Seats: latest version's recurring charges in effect in each month (§4 seat rule).
    lv = ver.loc[ver["is_latest"], ["lineage", "version"]]
    rc = chg[chg["charge_type"] == "Recurring"].merge(lv, on=["lineage", "version"])
    m0 = start.astype("datetime64[M]")
    months = np.maximum((as_of_m - m0).astype(int) + 1, 0)
    li = np.repeat(np.arange(len(lin)), months)
    mk = (m0[li] + (np.arange(len(li)) - np.repeat(np.cumsum(months) - months, months)))
    eff = in_effect(mk, start[li], end[li])
    grid = pd.DataFrame({"lineage": lin["lineage"].to_numpy()[li], "month": mk})[eff]
    rc_s = rc["start"].to_numpy(dtype="datetime64[D]").astype("datetime64[M]")
    rc_e = pd.to_datetime(rc["end"]).to_numpy(dtype="datetime64[D]").astype("datetime64[M]")
    j = grid.merge(pd.DataFrame({"lineage": rc["lineage"].to_numpy(), "cs": rc_s, "ce": rc_e, "q": rc["quantity"].to_numpy()}), on="lineage", how="left")
    active = (j["cs"].to_numpy() <= j["month"].to_numpy()) & (np.isnat(j["ce"].to_numpy()) | (j["month"].to_numpy() < j["ce"].to_numpy()))
    j["q"] = np.where(active, j["q"].fillna(0), 0)
    seats = j.groupby(["lineage", "month"], sort=True)["q"].sum().reset_index()
    orig = lin.set_index("lineage")["original_id"]
    seats_df = pd.DataFrame({
        "original_id": seats["lineage"].map(orig).to_numpy(),
        "month": seats["month"].to_numpy().astype("datetime64[D]"),
        "licensed_seats": seats["q"].to_numpy().astype(np.int64),
        "in_effect": True,
    })
    return subs, seats_df


def licenses(world: dict) -> pd.DataFrame:
    lic = world["license_db/licenses"]
    lin = world["_lineages"].set_index("lineage")
    zuora_ids = set(world["zuora/subscription"]["id"])
    lineage = lic["_lineage"].to_numpy()
    valid = lic["zuora_subscription_id"].isin(zuora_ids).to_numpy()
    return pd.DataFrame({
        "license_id": lic["id"].to_numpy(),
        "license_md5": lic["license_md5"].to_numpy(),
        "trial": lic["trial"].to_numpy(dtype=bool),
        "true_original_id": np.where(lineage >= 0, lin["original_id"].reindex(np.maximum(lineage, 0)).to_numpy(), None),
        "true_subscription_id": lic["_version_id"].to_numpy(),
        "zuora_subscription_id": lic["zuora_subscription_id"].to_numpy(),
        "is_mapped": lic["zuora_subscription_id"].notna().to_numpy(),
        "is_valid": valid,
        "is_recoverable": valid,
        "defects": lic["_defects"].to_numpy(),
    })


def installations(frame: pd.DataFrame, first_last: pd.DataFrame, world: dict) -> pd.DataFrame:
    lin = world["_lineages"].set_index("lineage")
    cust = world["_customers"]
    lineage = frame["lineage"].to_numpy()
    paid = lineage >= 0
    safe = np.maximum(lineage, 0)
    crm = np.where(paid, cust["crm_account_id"].to_numpy()[lin["customer"].reindex(safe).to_numpy()], None)
    shared = frame.groupby("uuid")["host_id"].transform("nunique").to_numpy() > 1
    out = pd.DataFrame({
        "uuid": frame["uuid"].to_numpy(),
        "host_id": frame["host_id"].to_numpy(),
        "hostname": frame["hostname"].to_numpy(),
        "customer_type": np.where(paid, "paid", "free"),
        "true_original_id": np.where(paid, lin["original_id"].reindex(safe).to_numpy(), None),
        "true_crm_account_id": crm,
        "true_customer_key": np.where(paid, np.array([f"crm:{c}" for c in crm], dtype=object),
                                      np.array([f"installation:{u}:{h}" for u, h in zip(frame["uuid"], frame["host_id"])], dtype=object)),
        "is_shared_uuid": shared,
        "first_ping_at": first_last["first"].to_numpy(),
        "last_ping_at": first_last["last"].to_numpy(),
        "n_pings": frame["n_pings"].to_numpy(np.int64),
        # data-contract §6: staging servers and clones of a production instance are Non-Production;
        # the paid production instance is the one that should be primary for its subscription
        "kind": frame["kind"].to_numpy(),
        "true_installation_type": np.where(frame["kind"].isin(["paid_staging", "clone"]), "Non-Production", "Production"),
        "is_true_primary": (frame["kind"] == "paid").to_numpy(),
    })
    return out[out["n_pings"] > 0].reset_index(drop=True)


def defects(world: dict, ns_truth: pd.DataFrame) -> pd.DataFrame:
    rows = []

    def add(system, table, keys, labels, detail=""):
        for k, lbls in zip(keys, labels):
            for lbl in (lbls.split(",") if lbls else []):
                rows.append((system, table, str(k), lbl, detail))

    o = world["customers_db/orders"]
    add("customers_db", "orders", o["id"], o["_defects"])
    lic = world["license_db/licenses"]
    add("license_db", "licenses", lic["id"], lic["_defects"])
    bt = world["_billing_truth"]
    add("zuora", "account", bt["billing_account_id"], bt["defects"])
    add("gitlab_dotcom", "namespaces", ns_truth["namespace_id"], ns_truth["defects"])
    gs = world["gitlab_dotcom/gitlab_subscriptions"]
    add("gitlab_dotcom", "gitlab_subscriptions", gs["id"], np.where(gs["_stale"], "duplicate_gitlab_subscriptions", ""))
    over = (~gs["_stale"]) & (gs["seats_in_use"] > gs["seats"])
    add("gitlab_dotcom", "gitlab_subscriptions", gs["id"], np.where(over, "seats_overage", ""))
    add("sfdc", "account", world["_merged_losers"]["id"], ["sfdc_merged_account"] * len(world["_merged_losers"]))
    return pd.DataFrame(rows, columns=DEFECT_COLUMNS)
