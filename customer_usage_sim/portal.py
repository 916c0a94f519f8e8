"""Customer portal: orders for SaaS (on a namespace) and Self-Managed subscriptions,
trial orders and trial histories, and the portal customers who only trialled.

Orders are where the namespace ↔ subscription defects live: missing,
subgroup or unknown namespace, subscriptions Zuora does not know, and
expired orders that lost their product rate plan.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from customer_usage_sim import ids
from customer_usage_sim.config import DefectRates
from customer_usage_sim.timeutil import day_plus_seconds


def _join(*flags_and_labels) -> list[str]:
    labels = [lbl for lbl, _ in flags_and_labels]
    flags = np.column_stack([np.asarray(f, dtype=bool) for _, f in flags_and_labels])
    return [",".join(labels[j] for j in np.flatnonzero(row)) for row in flags]


def _portal_context(world: dict[str, pd.DataFrame], as_of: dt.date) -> SimpleNamespace:
    """What the portal builders read from the other systems."""
    lin = world["_lineages"]
    ver = world["_versions"]
    tops = world["_tops"]
    cust = world["_customers"]
    plan_id = dict(zip(world["zuora/product_rate_plan"]["name"], world["zuora/product_rate_plan"]["id"]))
    as_of64 = np.datetime64(as_of, "D")
    return SimpleNamespace(
        as_of64=as_of64, cust=cust, lin=lin, plan_id=plan_id, tops=tops, ver=ver,
    )


def _paid_orders(rng: np.random.Generator, g: SimpleNamespace, rates: DefectRates) -> None:
    """Paid orders: one per lineage, unless the paid namespace has none at all."""
    lin, tops, as_of64, ver, plan_id, cust = g.lin, g.tops, g.as_of64, g.ver, g.plan_id, g.cust
    # --- paid orders: one per lineage, unless the paid namespace has none at all
    ns_of_lineage = tops[tops["lineage"] >= 0].set_index("lineage")
    is_saas = (lin["deployment"] == "SaaS").to_numpy()
    ns_id = ns_of_lineage["namespace_id"].reindex(lin["lineage"]).to_numpy()
    paid_now = ns_of_lineage["paid_now"].reindex(lin["lineage"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    no_order = is_saas & paid_now & (rng.random(len(lin)) < rates.paid_namespace_without_order)
    lin = lin.assign(no_order=no_order)
    po = lin[~no_order].reset_index(drop=True)
    n = len(po)
    saas = (po["deployment"] == "SaaS").to_numpy()
    latest_end = ver[ver["is_latest"]].set_index("lineage").loc[po["lineage"]]
    # Subscription id written on the order: usually the latest version, sometimes the one bought.
    older = rng.random(n) < 0.2
    first_ver = ver.groupby("lineage")["id"].first().loc[po["lineage"]].to_numpy()
    sub_id = np.where(older, first_ver, po["latest_subscription_id"].to_numpy())
    not_in_zuora = rng.random(n) < rates.order_subscription_not_in_zuora
    sub_id = np.where(not_in_zuora, ids.hex32(rng, n), sub_id)
    po_ns = ns_of_lineage.reindex(po["lineage"])
    true_ns = np.where(saas, po_ns["namespace_id"].to_numpy(), np.nan)
    u = rng.random(n)
    miss = saas & (u < rates.order_missing_namespace)
    onsub = saas & ~miss & (u < rates.order_missing_namespace + rates.order_on_subgroup)
    unknown = saas & ~miss & ~onsub & (u < rates.order_missing_namespace + rates.order_on_subgroup + rates.order_unknown_namespace)
    gl_ns = true_ns.copy()
    gl_ns[onsub] = po_ns["first_subgroup"].to_numpy()[onsub]
    gl_ns[unknown] = true_ns[unknown] + 9  # subgroup ids use +1..+6: +9 never exists
    gl_ns[miss] = np.nan
    gl_name = np.where(np.isnan(gl_ns), None, po_ns["name"].to_numpy())
    gl_name = np.where(onsub, np.array([f"{x}-sub-0" for x in po_ns["name"].to_numpy()], dtype=object), gl_name)
    end = latest_end["end"].to_numpy(dtype="datetime64[D]")
    start = po["start"].to_numpy(dtype="datetime64[D]")
    paid_orders = pd.DataFrame({
        "customer_id": cust["portal_customer_id"].to_numpy()[po["customer"]],
        "product_rate_plan_id": po["plan_name"].map(plan_id).to_numpy(),
        "subscription_id": sub_id,
        "subscription_name": po["name"].to_numpy(),
        "start_date": start,
        "end_date": end,
        "quantity": po["seats_now"].to_numpy(dtype=np.int64),
        "gl_namespace_id": gl_ns,
        "gl_namespace_name": gl_name,
        "trial": False,
        "created_at": day_plus_seconds(start, rng),
        "updated_at": day_plus_seconds(np.minimum(latest_end["created"].to_numpy(dtype="datetime64[D]"), as_of64), rng),
        "_lineage": po["lineage"].to_numpy(),
        "_true_ns": true_ns,
        "_defects": _join(("order_missing_namespace", miss), ("order_on_subgroup", onsub),
                          ("order_unknown_namespace", unknown), ("order_subscription_not_in_zuora", not_in_zuora)),
    })
    vars(g).update(lin=lin, paid_orders=paid_orders)


def _saas_trial_orders(rng: np.random.Generator, g: SimpleNamespace) -> None:
    """SaaS trial orders (current, expired and converted trials) and their portal customers."""
    tops, plan_id, cust, lin = g.tops, g.plan_id, g.cust, g.lin
    # --- SaaS trial orders (current, expired and converted trials) and their portal customers
    tt = tops[tops["trial_start"].notna()].reset_index(drop=True)
    n_new = int((tt["lineage"] < 0).sum())
    first_new_customer = int(cust["portal_customer_id"].max()) + 1
    trial_cust = np.where(tt["lineage"] >= 0,
                          cust["portal_customer_id"].to_numpy()[lin.set_index("lineage").reindex(tt["lineage"].clip(lower=0))["customer"].to_numpy()],
                          0)
    trial_cust[(tt["lineage"] < 0).to_numpy()] = first_new_customer + np.arange(n_new)
    ts = tt["trial_start"].to_numpy(dtype="datetime64[D]")
    te = tt["trial_end"].to_numpy(dtype="datetime64[D]")
    trial_orders = pd.DataFrame({
        "customer_id": trial_cust.astype(np.int64),
        "product_rate_plan_id": plan_id["SaaS - Trial"],
        "subscription_id": None,
        "subscription_name": None,
        "start_date": ts,
        "end_date": te,
        "quantity": np.nan,
        "gl_namespace_id": tt["namespace_id"].to_numpy(dtype=float),
        "gl_namespace_name": tt["name"].to_numpy(),
        "trial": True,
        "created_at": day_plus_seconds(ts, rng),
        "updated_at": day_plus_seconds(ts, rng),
        "_lineage": tt["lineage"].to_numpy(),
        "_true_ns": tt["namespace_id"].to_numpy(dtype=float),
        "_defects": "",
    })
    vars(g).update(first_new_customer=first_new_customer, n_new=n_new, te=te, trial_orders=trial_orders, ts=ts,
        tt=tt)


def _self_managed_trial_orders(
    rng: np.random.Generator,
    g: SimpleNamespace,
    rates: DefectRates,
    n_sm_trials: int,
) -> None:
    """Self-Managed trial orders (their trial licenses go to free installations)."""
    as_of64, first_new_customer, n_new, paid_orders = g.as_of64, g.first_new_customer, g.n_new, g.paid_orders
    trial_orders, plan_id = g.trial_orders, g.plan_id
    # --- Self-Managed trial orders (their trial licenses go to free installations)
    sm_start = as_of64 - rng.integers(40, 600, n_sm_trials).astype("timedelta64[D]")
    sm_trial_cust = first_new_customer + n_new + np.arange(n_sm_trials)
    sm_trials = pd.DataFrame({
        "customer_id": sm_trial_cust.astype(np.int64),
        "product_rate_plan_id": plan_id["Self-Managed - Trial"],
        "subscription_id": None,
        "subscription_name": None,
        "start_date": sm_start,
        "end_date": sm_start + np.timedelta64(30, "D"),
        "quantity": np.nan,
        "gl_namespace_id": np.nan,
        "gl_namespace_name": None,
        "trial": True,
        "created_at": day_plus_seconds(sm_start, rng),
        "updated_at": day_plus_seconds(sm_start, rng),
        "_lineage": -1,
        "_true_ns": np.nan,
        "_defects": "",
    })
    orders = pd.concat([paid_orders, trial_orders, sm_trials], ignore_index=True)
    expired = orders["end_date"].to_numpy(dtype="datetime64[D]") < as_of64
    lost_plan = expired & (rng.random(len(orders)) < rates.expired_order_missing_product_rate_plan)
    orders.loc[lost_plan, "product_rate_plan_id"] = None
    orders["_defects"] = [
        ",".join(x for x in (d, "expired_order_missing_product_rate_plan" if f else "") if x)
        for d, f in zip(orders["_defects"], lost_plan)
    ]
    orders["updated_at"] = np.maximum(orders["created_at"].to_numpy(), orders["updated_at"].to_numpy())
    orders = orders.sort_values(["created_at", "customer_id"], kind="stable").reset_index(drop=True)
    orders.insert(0, "id", np.arange(1, len(orders) + 1, dtype=np.int64))
    orders["gl_namespace_id"] = pd.array(orders["gl_namespace_id"].to_numpy(), dtype="Float64").astype("Int64")
    orders["quantity"] = pd.array(orders["quantity"].to_numpy(), dtype="Float64").astype("Int64")
    orders["start_date"] = pd.to_datetime(orders["start_date"])
    orders["end_date"] = pd.to_datetime(orders["end_date"])
    vars(g).update(orders=orders, sm_start=sm_start)


def _trial_only_customers(
    rng: np.random.Generator,
    g: SimpleNamespace,
    world: dict[str, pd.DataFrame],
    n_sm_trials: int,
) -> None:
    """Customers who only trialled (no Zuora, no Salesforce)."""
    n_new, first_new_customer, sm_start, tt, ts = g.n_new, g.first_new_customer, g.sm_start, g.tt, g.ts
    # --- customers who only trialled (no Zuora, no Salesforce)
    n_tc = n_new + n_sm_trials
    tc_created = day_plus_seconds(np.concatenate([ts[(tt["lineage"] < 0).to_numpy()], sm_start]) - np.timedelta64(1, "D"), rng)
    trial_customers = pd.DataFrame({
        "id": np.arange(first_new_customer, first_new_customer + n_tc, dtype=np.int64),
        "email": [f"dev{i}@trial{i}.example.org" for i in range(n_tc)],
        "first_name": ids.pick(rng, ids.FIRST_NAMES, n_tc),
        "last_name": ids.pick(rng, ids.LAST_NAMES, n_tc),
        "company": ids.company_names(rng, n_tc),
        "country": ids.pick(rng, ids.COUNTRIES, n_tc),
        "zuora_account_id": None,
        "salesforce_account_id": None,
        "created_at": tc_created,
        "updated_at": tc_created,
    })
    customers = pd.concat([world["customers_db/customers"], trial_customers], ignore_index=True)

    current = tt["kind"].to_numpy() == "trial"
    vars(g).update(current=current, customers=customers)


def _portal_tables(rng: np.random.Generator, g: SimpleNamespace) -> dict[str, pd.DataFrame]:
    """customers_db.trial_histories, and every portal table assembled."""
    orders, customers, lin, ts, current, te, tt = g.orders, g.customers, g.lin, g.ts, g.current, g.te, g.tt
    trial_histories = pd.DataFrame({
        "gl_namespace_id": tt["namespace_id"].to_numpy(dtype=np.int64),
        "start_date": pd.to_datetime(ts),
        "expired_on": pd.to_datetime(np.where(current, np.datetime64("NaT"), te)),
        "created_at": day_plus_seconds(ts, rng),
    })
    return {
        "customers_db/orders": orders,
        "customers_db/customers": customers,
        "customers_db/trial_histories": trial_histories,
        "_lineages": lin,
        "_sm_trial_orders": orders[orders["trial"] & orders["gl_namespace_id"].isna()][["id", "start_date", "end_date"]],
    }


def build_portal(rng: np.random.Generator, world: dict[str, pd.DataFrame], as_of: dt.date,
                 rates: DefectRates, n_sm_trials: int) -> dict[str, pd.DataFrame]:
    """One builder per table, called in the order they draw from `rng` (same seed, same bytes)."""
    g = _portal_context(world, as_of)
    _paid_orders(rng, g, rates)
    _saas_trial_orders(rng, g)
    _self_managed_trial_orders(rng, g, rates, n_sm_trials)
    _trial_only_customers(rng, g, world, n_sm_trials)
    return _portal_tables(rng, g)
