"""License app: a license per Self-Managed subscription version that needs one (purchase,
renewal, most true-ups), each with its own `license_md5`; plus trial licenses.

The defects are licenses whose `zuora_subscription_id` is missing or unknown:
their installations' pings cannot be tied to a subscription through them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from customer_usage_sim import ids
from customer_usage_sim.config import DefectRates
from customer_usage_sim.timeutil import day_plus_seconds


def build_licenses(rng: np.random.Generator, world: dict[str, pd.DataFrame], as_of: dt.date,
                   rates: DefectRates) -> dict[str, pd.DataFrame]:
    lin = world["_lineages"].set_index("lineage")
    ver = world["_versions"]
    cust = world["_customers"]
    sm_lineages = lin.index[lin["deployment"] == "Self-Managed"]
    v = ver[ver["lineage"].isin(sm_lineages) & (ver["kind"] != "Cancellation")]
    issue = (v["kind"] != "UpdateProduct") | (rng.random(len(v)) < 0.5)
    v = v[issue.to_numpy()].reset_index(drop=True)
    n = len(v)
    u = rng.random(n)
    missing = u < rates.license_missing_subscription_id
    unknown = ~missing & (u < rates.license_missing_subscription_id + rates.license_unknown_subscription_id)
    sub = np.where(unknown, ids.hex32(rng, n), v["id"].to_numpy())
    sub = np.where(missing, None, sub)
    starts = np.where(v["kind"] == "Renewal", v["term_start"], v["created"]).astype("datetime64[D]")
    company = cust["company"].to_numpy()[lin.loc[v["lineage"], "customer"].to_numpy()]
    created = day_plus_seconds(v["created"].to_numpy(dtype="datetime64[D]"), rng)
    paid = pd.DataFrame({
        "company": company,
        "email": [f"admin@{c.split(' ')[0].lower()}{i}.example.com" for i, c in enumerate(company)],
        "users_count": v["seats"].to_numpy(dtype=np.int64),
        "plan_code": lin.loc[v["lineage"], "tier"].str.lower().to_numpy(),
        "starts_at": pd.to_datetime(starts),
        "expires_at": pd.to_datetime(v["term_end"]),
        "trial": False,
        "zuora_subscription_id": sub,
        "zuora_subscription_name": lin.loc[v["lineage"], "name"].to_numpy(),
        "license_md5": ids.hex32(rng, n),
        "created_at": created,
        "updated_at": created,
        "_lineage": v["lineage"].to_numpy(),
        "_version_id": v["id"].to_numpy(),
        "_defects": np.where(missing, "license_missing_subscription_id",
                             np.where(unknown, "license_unknown_subscription_id", "")),
    })
    sm_trials = world["_sm_trial_orders"]
    k = len(sm_trials)
    t_created = day_plus_seconds(sm_trials["start_date"].to_numpy(dtype="datetime64[D]"), rng)
    trials = pd.DataFrame({
        "company": ids.company_names(rng, k),
        "email": [f"trial{i}@example.org" for i in range(k)],
        "users_count": np.full(k, 100, dtype=np.int64),
        "plan_code": "ultimate",
        "starts_at": sm_trials["start_date"].to_numpy(),
        "expires_at": sm_trials["end_date"].to_numpy(),
        "trial": True,
        "zuora_subscription_id": None,
        "zuora_subscription_name": None,
        "license_md5": ids.hex32(rng, k),
        "created_at": t_created,
        "updated_at": t_created,
        "_lineage": -1,
        "_version_id": None,
        "_defects": "",
    })
    licenses = pd.concat([paid, trials], ignore_index=True)
    licenses = licenses.sort_values(["created_at", "license_md5"], kind="stable").reset_index(drop=True)
    licenses.insert(0, "id", np.arange(1, len(licenses) + 1, dtype=np.int64))
    return {"license_db/licenses": licenses}
