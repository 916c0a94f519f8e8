"""Zuora subscriptions as they evolve: amendments, renewals and cancellations create new
versions of one lineage (same `original_id`), and each version carries the
recurring-charge segments (quantity = seats) known when it was created.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from customer_usage_sim import ids
from customer_usage_sim.timeutil import add_months

DEPLOYMENTS = ("SaaS", "Self-Managed")
TIERS = ("Premium", "Ultimate")
PRICE = {"Premium": 29.0, "Ultimate": 99.0}  # per seat per month
RATE_PLAN_NAMES = (
    "SaaS - Premium", "SaaS - Ultimate", "Self-Managed - Premium", "Self-Managed - Ultimate",
    "SaaS - Bronze", "SaaS - Silver", "SaaS - Gold", "SaaS - Trial", "Self-Managed - Trial",
)


def build_catalog(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    product_ids = ids.hex32(rng, 2)
    products = pd.DataFrame({"id": product_ids, "name": ["GitLab SaaS", "GitLab Self-Managed"],
                             "sku": ["SKU-00000001", "SKU-00000002"]})
    plan_ids = ids.hex32(rng, len(RATE_PLAN_NAMES))
    plans = pd.DataFrame({
        "id": plan_ids,
        "product_id": [product_ids[0 if n.startswith("SaaS") else 1] for n in RATE_PLAN_NAMES],
        "name": list(RATE_PLAN_NAMES),
    })
    return {"zuora/product": products, "zuora/product_rate_plan": plans,
            "_plan_charge_ids": pd.DataFrame({"name": list(RATE_PLAN_NAMES), "charge_id": ids.hex32(rng, len(RATE_PLAN_NAMES))})}


def _lineage_draws(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    catalog: dict[str, pd.DataFrame],
    as_of: dt.date,
    saas_share: float,
) -> SimpleNamespace:
    """Which customers buy which lineages (deployment, tier, start, seats)."""
    n_cust = len(customers)
    second = rng.random(n_cust) < 0.15
    cust_idx = np.concatenate([np.arange(n_cust), np.flatnonzero(second)])
    n = len(cust_idx)
    saas = rng.random(n) < saas_share
    ultimate = rng.random(n) < 0.35
    since = customers["since"].to_numpy()[cust_idx]
    extra = rng.integers(30, 300, size=n).astype("timedelta64[D]")
    start = np.where(np.arange(n) >= n_cust, since + extra, since)
    latest_start = np.datetime64(as_of - dt.timedelta(days=10), "D")
    start = np.where(start > latest_start, since, start)
    seats0 = np.clip(np.round(rng.lognormal(np.log(15), 1.0, size=n)), 5, 5000).astype(int)
    plan_id = dict(zip(catalog["zuora/product_rate_plan"]["name"], catalog["zuora/product_rate_plan"]["id"]))
    charge_id = dict(zip(catalog["_plan_charge_ids"]["name"], catalog["_plan_charge_ids"]["charge_id"]))
    return SimpleNamespace(
        charge_id=charge_id, cust_idx=cust_idx, n=n, plan_id=plan_id, saas=saas, seats0=seats0, start=start,
        ultimate=ultimate,
    )


def _timelines(rng: np.random.Generator, g: SimpleNamespace, as_of: dt.date) -> None:
    """Each lineage's versions and charges over time (amendments, renewals, cancellations)."""
    n, saas, ultimate, seats0, start, cust_idx = g.n, g.saas, g.ultimate, g.seats0, g.start, g.cust_idx
    # Draw every random number the timelines need up front (vectorized, order-stable).
    u = rng.random((n, 64))
    n_amend = rng.poisson(0.6, size=(n, 4))
    versions, charges, lineages = [], [], []
    for i in range(n):
        ui = iter(u[i])
        s = pd.Timestamp(start[i]).date()
        deployment = "SaaS" if saas[i] else "Self-Managed"
        tier = "Ultimate" if ultimate[i] else "Premium"
        seats = int(seats0[i])
        segments = [(s, seats)]
        vers = [dict(kind="NewProduct", created=s, term_start=s, term_end=add_months(s, 12), nseg=1)]
        term_start = s
        cancel = None
        for term in range(4):
            term_end = add_months(term_start, 12)
            limit = min(term_end - dt.timedelta(days=30), as_of)
            mid_cancel = next(ui) < 0.03
            k = int(n_amend[i, min(term, 3)]) if (limit - term_start).days > 30 else 0
            dates = sorted({term_start + dt.timedelta(days=15 + int(next(ui) * ((limit - term_start).days - 15))) for _ in range(k)})
            for d in dates:
                seats = max(1, int(round(seats * (0.9 + 0.6 * next(ui)))))
                segments.append((d, seats))
                vers.append(dict(kind="UpdateProduct", created=d, term_start=term_start, term_end=term_end, nseg=len(segments)))
            if mid_cancel and (min(term_end, as_of) - vers[-1]["created"]).days > 20:
                span = (min(term_end, as_of) - vers[-1]["created"]).days
                cancel = vers[-1]["created"] + dt.timedelta(days=10 + int(next(ui) * (span - 10)))
                vers.append(dict(kind="Cancellation", created=cancel, term_start=term_start, term_end=term_end, nseg=len(segments)))
                break
            if term_end > as_of:
                break
            if next(ui) < 0.15:  # not renewed: cancelled at the term end
                cancel = term_end
                vers.append(dict(kind="Cancellation", created=term_end - dt.timedelta(days=int(1 + next(ui) * 20)),
                                 term_start=term_start, term_end=term_end, nseg=len(segments)))
                break
            seats = max(1, int(round(seats * (0.95 + 0.4 * next(ui)))))
            segments.append((term_end, seats))
            vers.append(dict(kind="Renewal", created=term_end - dt.timedelta(days=int(1 + next(ui) * 14)),
                             term_start=term_end, term_end=add_months(term_end, 12), nseg=len(segments)))
            term_start = term_end
        lineages.append(dict(lineage=i, customer=int(cust_idx[i]), deployment=deployment, tier=tier, start=s,
                             cancel=cancel, n_versions=len(vers), seats_now=seats,
                             term_start_now=vers[-1]["term_start"], term_end_now=vers[-1]["term_end"]))
        for v, ver in enumerate(vers):
            end = cancel if (ver["kind"] == "Cancellation") else ver["term_end"]
            versions.append(dict(lineage=i, version=v + 1, kind=ver["kind"], created=ver["created"],
                                 term_start=ver["term_start"], term_end=ver["term_end"], end=end,
                                 seats=segments[ver["nseg"] - 1][1], is_latest=v == len(vers) - 1,
                                 cancelled=ver["kind"] == "Cancellation"))
            for j in range(ver["nseg"]):
                seg_end = segments[j + 1][0] if j + 1 < ver["nseg"] else end
                charges.append(dict(lineage=i, version=v + 1, segment=j + 1, start=segments[j][0], end=seg_end,
                                    quantity=segments[j][1], charge_type="Recurring"))
            if next(ui) < 0.1:  # a one-time service charge: never counts as seats
                charges.append(dict(lineage=i, version=v + 1, segment=1, start=ver["created"],
                                    end=ver["created"] + dt.timedelta(days=45), quantity=1, charge_type="OneTime"))
    vars(g).update(charges=charges, lineages=lineages, versions=versions)


def _lineage_ids(rng: np.random.Generator, g: SimpleNamespace, customers: pd.DataFrame) -> None:
    """Ids and names of lineages and versions."""
    lineages, versions, charges, n = g.lineages, g.versions, g.charges, g.n
    lin = pd.DataFrame(lineages)
    ver = pd.DataFrame(versions)
    chg = pd.DataFrame(charges)
    ver["id"] = ids.hex32(rng, len(ver))
    first_id = ver.groupby("lineage")["id"].transform("first")
    ver["original_id"] = first_id
    ver["previous_subscription_id"] = ver.groupby("lineage")["id"].shift(1)
    lin["original_id"] = ver.groupby("lineage")["id"].first().to_numpy()
    lin["latest_subscription_id"] = ver[ver["is_latest"]].set_index("lineage").loc[lin["lineage"], "id"].to_numpy()
    lin["name"] = [f"A-S{i + 1:08d}" for i in range(n)]
    lin["plan_name"] = lin["deployment"] + " - " + lin["tier"]
    lin["billing_account_id"] = customers["billing_account_id"].to_numpy()[lin["customer"]]
    lin["status"] = np.where(lin["cancel"].notna(), "Cancelled", "Active")
    vars(g).update(chg=chg, lin=lin, ver=ver)


def _subscription(rng: np.random.Generator, g: SimpleNamespace) -> None:
    """zuora.subscription: one row per version."""
    ver, lin = g.ver, g.lin
    created_ts = pd.to_datetime(ver["created"]) + pd.to_timedelta(rng.integers(0, 86400, size=len(ver)), unit="s")
    next_created = created_ts.groupby(ver["lineage"]).shift(-1)
    status = np.where(ver["is_latest"], np.where(ver["cancelled"], "Cancelled", "Active"), "Expired")
    lin_of = lin.set_index("lineage")
    subscription = pd.DataFrame({
        "id": ver["id"],
        "name": lin_of.loc[ver["lineage"], "name"].to_numpy(),
        "account_id": lin_of.loc[ver["lineage"], "billing_account_id"].to_numpy(),
        "invoice_owner_id": lin_of.loc[ver["lineage"], "billing_account_id"].to_numpy(),
        "original_id": ver["original_id"],
        "previous_subscription_id": ver["previous_subscription_id"],
        "version": ver["version"].astype("int64"),
        "status": status,
        "subscription_start_date": pd.to_datetime(lin_of.loc[ver["lineage"], "start"].to_numpy()),
        "subscription_end_date": pd.to_datetime(ver["end"]),
        "term_start_date": pd.to_datetime(ver["term_start"]),
        "term_end_date": pd.to_datetime(ver["term_end"]),
        "auto_renew": True,
        "namespace_id": pd.array([None] * len(ver), dtype="Int64"),
        "created_date": created_ts,
        "updated_date": next_created.fillna(created_ts),
        "deleted": False,
    })

    rp = ver[["lineage", "version", "id", "kind"]].copy()
    rp["rate_plan_id"] = ids.hex32(rng, len(rp))
    vars(g).update(created_ts=created_ts, lin_of=lin_of, rp=rp, subscription=subscription)


def _rate_plans(rng: np.random.Generator, g: SimpleNamespace) -> dict[str, pd.DataFrame]:
    """zuora.rate_plan, zuora.rate_plan_charge, and the lineages the other systems build on."""
    subscription, lin, ver, chg, created_ts, rp = g.subscription, g.lin, g.ver, g.chg, g.created_ts, g.rp
    lin_of, plan_id, charge_id = g.lin_of, g.plan_id, g.charge_id
    rate_plan = pd.DataFrame({
        "id": rp["rate_plan_id"],
        "subscription_id": rp["id"],
        "product_rate_plan_id": lin_of.loc[rp["lineage"], "plan_name"].map(plan_id).to_numpy(),
        "name": lin_of.loc[rp["lineage"], "plan_name"].to_numpy(),
        "amendment_type": rp["kind"],
        "created_date": created_ts,
        "updated_date": created_ts,
        "deleted": False,
    })
    keyed = chg[["lineage", "version"]].merge(
        pd.DataFrame({"lineage": rp["lineage"], "version": rp["version"], "rate_plan_id": rp["rate_plan_id"],
                      "created": ver["created"]}), on=["lineage", "version"], how="left", validate="many_to_one")
    plan_name = lin_of.loc[chg["lineage"], "plan_name"].to_numpy()
    tier = lin_of.loc[chg["lineage"], "tier"].to_numpy()
    qty = chg["quantity"].to_numpy(dtype=float)
    recurring = chg["charge_type"].to_numpy() == "Recurring"
    chg_created = pd.to_datetime(keyed["created"].to_numpy())
    rate_plan_charge = pd.DataFrame({
        "id": ids.hex32(rng, len(chg)),
        "rate_plan_id": keyed["rate_plan_id"].to_numpy(),
        "product_rate_plan_charge_id": np.where(recurring, pd.Series(plan_name).map(charge_id).to_numpy(), None),
        "name": np.where(recurring, [f"{t} - User Seats" for t in tier], "Onboarding Services"),
        "charge_type": chg["charge_type"],
        "mrr": np.where(recurring, qty * np.array([PRICE[t] for t in tier]), 0.0),
        "quantity": qty,
        "effective_start_date": pd.to_datetime(chg["start"]),
        "effective_end_date": pd.to_datetime(chg["end"]),
        "segment": chg["segment"].astype("int64"),
        "version": chg["version"].astype("int64"),
        "created_date": chg_created,
        "updated_date": chg_created,
        "deleted": False,
    })
    return {
        "zuora/subscription": subscription,
        "zuora/rate_plan": rate_plan,
        "zuora/rate_plan_charge": rate_plan_charge,
        "_lineages": lin,
        "_versions": ver,
        "_charges": chg,
    }


def build_subscriptions(rng: np.random.Generator, customers: pd.DataFrame, catalog: dict[str, pd.DataFrame],
                        as_of: dt.date, saas_share: float = 0.5) -> dict[str, pd.DataFrame]:
    """One builder per table, called in the order they draw from `rng` (same seed, same bytes)."""
    g = _lineage_draws(rng, customers, catalog, as_of, saas_share)
    _timelines(rng, g, as_of)
    _lineage_ids(rng, g, customers)
    _subscription(rng, g)
    return _rate_plans(rng, g)
