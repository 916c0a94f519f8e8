"""Paying customers: Salesforce accounts (hierarchies, merge chains), Zuora billing accounts
and customer-portal customers.

One surviving SFDC account per paying customer is the truth every other
system is scored against; the defects here are the ways Zuora's `crm_id`
drifts from it (15-character form, merged account, unknown, missing).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from customer_usage_sim import ids
from customer_usage_sim.config import DefectRates
from customer_usage_sim.timeutil import day_plus_seconds, random_dates


def _accounts(
    rng: np.random.Generator,
    n: int,
    window_start: dt.date,
    as_of: dt.date,
    rates: DefectRates,
) -> SimpleNamespace:
    """Who the customers are: names, countries, first purchase, surviving SFDC ids, parents, merge chains."""
    company = ids.company_names(rng, n)
    country = ids.pick(rng, ids.COUNTRIES, n)
    # When the customer first bought: spread over the history window, leaving room before as-of.
    since = random_dates(rng, window_start, as_of - dt.timedelta(days=20), n)
    survivor = ids.sfdc_ids(rng, n)

    # Parent hierarchy: about a fifth of customers sit under a parent account.
    n_parents = max(1, n // 10)
    parent_ids = ids.sfdc_ids(rng, n_parents)
    has_parent = rng.random(n) < 0.2
    parent_of = np.where(has_parent, parent_ids[rng.integers(0, n_parents, size=n)], None)

    # Merge chains: the losers are deleted and point (master_record_id) one step closer to the survivor.
    merged = rng.random(n) < rates.sfdc_merged_account
    chain_len = np.where(merged, np.where(rng.random(n) < 0.7, 1, 2), 0)
    n_losers = int(chain_len.sum())
    loser_ids = ids.sfdc_ids(rng, n_losers)
    loser_rows, deepest = [], np.full(n, None, dtype=object)
    k = 0
    for c in np.flatnonzero(merged):
        master = survivor[c]
        for depth in range(1, chain_len[c] + 1):
            lid = loser_ids[k]
            k += 1
            loser_rows.append((lid, f"{company[c]} (duplicate {depth})", master, c, depth))
            master = lid
        deepest[c] = master

    prospects = max(1, int(n * 0.3))
    prospect_ids = ids.sfdc_ids(rng, prospects)
    all_created = day_plus_seconds(since - rng.integers(30, 400, size=n).astype("timedelta64[D]"), rng)
    return SimpleNamespace(
        all_created=all_created, company=company, country=country, deepest=deepest,
        has_parent=has_parent, loser_rows=loser_rows, merged=merged, n_parents=n_parents,
        parent_ids=parent_ids, parent_of=parent_of, prospect_ids=prospect_ids, prospects=prospects,
        since=since, survivor=survivor,
    )


def _sfdc_account(rng: np.random.Generator, g: SimpleNamespace, window_start: dt.date, as_of: dt.date) -> None:
    """sfdc.account: surviving accounts, parents, merged (deleted) losers and prospects."""
    loser_rows, survivor, company, parent_of = g.loser_rows, g.survivor, g.company, g.parent_of
    country, all_created, parent_ids, prospect_ids = g.country, g.all_created, g.parent_ids, g.prospect_ids
    has_parent, n_parents, prospects = g.has_parent, g.n_parents, g.prospects
    sf_rows = pd.DataFrame({
        "id": survivor,
        "name": company,
        "type": "Customer",
        "parent_id": parent_of,
        "ultimate_parent_account_id": np.where(has_parent, parent_of, survivor),
        "master_record_id": None,
        "is_deleted": False,
        "billing_country": country,
        "created_date": all_created,
    })
    parents = pd.DataFrame({
        "id": parent_ids,
        "name": [f"Holding {i}" for i in range(n_parents)],
        "type": "Customer",
        "parent_id": None,
        "ultimate_parent_account_id": parent_ids,
        "master_record_id": None,
        "is_deleted": False,
        "billing_country": ids.pick(rng, ids.COUNTRIES, n_parents),
        "created_date": day_plus_seconds(random_dates(rng, window_start - dt.timedelta(days=900), window_start, n_parents), rng),
    })
    losers = pd.DataFrame(loser_rows, columns=["id", "name", "master_record_id", "customer", "depth"])
    losers_frame = pd.DataFrame({
        "id": losers["id"].to_numpy(dtype=object),
        "name": losers["name"].to_numpy(dtype=object),
        "type": "Customer",
        "parent_id": None,
        "ultimate_parent_account_id": losers["id"].to_numpy(dtype=object),
        "master_record_id": losers["master_record_id"].to_numpy(dtype=object),
        "is_deleted": True,
        "billing_country": country[losers["customer"].to_numpy(dtype=int)] if len(losers) else [],
        "created_date": all_created[losers["customer"].to_numpy(dtype=int)] if len(losers) else np.array([], dtype="datetime64[us]"),
    })
    prospects_frame = pd.DataFrame({
        "id": prospect_ids,
        "name": ids.company_names(rng, prospects),
        "type": "Prospect",
        "parent_id": None,
        "ultimate_parent_account_id": prospect_ids,
        "master_record_id": None,
        "is_deleted": False,
        "billing_country": ids.pick(rng, ids.COUNTRIES, prospects),
        "created_date": day_plus_seconds(random_dates(rng, window_start, as_of, prospects), rng),
    })
    sfdc_account = pd.concat([sf_rows, parents, losers_frame, prospects_frame], ignore_index=True)
    vars(g).update(losers_frame=losers_frame, sfdc_account=sfdc_account)


def _zuora_account(rng: np.random.Generator, g: SimpleNamespace, n: int, rates: DefectRates) -> None:
    """zuora.account: its crm_id missing, unknown, or the (possibly merged) account, sometimes 15 characters."""
    merged, deepest, survivor, since, company = g.merged, g.deepest, g.survivor, g.since, g.company
    country = g.country
    # Zuora crm_id: missing, unknown, or the (possibly merged) account, sometimes 15 characters.
    u = rng.random(n)
    missing = u < rates.crm_id_missing
    unknown = (~missing) & (u < rates.crm_id_missing + rates.crm_id_unknown)
    target = np.where(merged, deepest, survivor)
    short = (~missing) & (~unknown) & (rng.random(n) < rates.crm_id_15_char)
    unknown_ids = ids.sfdc_ids(rng, n)
    crm_id = np.where(short, np.array([t[:15] for t in target], dtype=object), target)
    crm_id = np.where(unknown, unknown_ids, crm_id)
    crm_id = np.where(missing, None, crm_id)
    labels = [
        ",".join(lbl for lbl, flag in (
            ("crm_id_missing", missing[i]), ("crm_id_unknown", unknown[i]),
            ("crm_id_merged_account", merged[i] and not missing[i] and not unknown[i]),
            ("crm_id_15_char", short[i]),
        ) if flag)
        for i in range(n)
    ]

    zuora_ids = ids.hex32(rng, n)
    acct_created = day_plus_seconds(since - rng.integers(1, 20, size=n).astype("timedelta64[D]"), rng)
    zuora_account = pd.DataFrame({
        "id": zuora_ids,
        "account_number": [f"A{i + 1:08d}" for i in range(n)],
        "name": company,
        "crm_id": crm_id,
        "status": "Active",
        "currency": np.where(np.isin(country, ["DE", "FR", "NL"]), "EUR", "USD"),
        "parent_id": None,
        "created_date": acct_created,
        "updated_date": acct_created,
        "deleted": False,
    })
    vars(g).update(acct_created=acct_created, crm_id=crm_id, labels=labels, missing=missing, unknown=unknown,
        zuora_account=zuora_account, zuora_ids=zuora_ids)


def _portal_customers(rng: np.random.Generator, g: SimpleNamespace, n: int) -> None:
    """customers_db.customers: one portal customer per billing account."""
    acct_created, company, country, zuora_ids = g.acct_created, g.company, g.country, g.zuora_ids
    survivor = g.survivor
    first = ids.pick(rng, ids.FIRST_NAMES, n)
    last = ids.pick(rng, ids.LAST_NAMES, n)
    portal_created = acct_created - np.timedelta64(3600, "s").astype("timedelta64[us]")
    customers = pd.DataFrame({
        "id": np.arange(1, n + 1, dtype=np.int64),
        "email": [f"billing{i + 1}@customer{i + 1}.example.com" for i in range(n)],
        "first_name": first,
        "last_name": last,
        "company": company,
        "country": country,
        "zuora_account_id": zuora_ids,
        "salesforce_account_id": survivor,
        "created_at": portal_created,
        "updated_at": portal_created,
    })
    vars(g).update(customers=customers)


def _truth(g: SimpleNamespace, n: int) -> dict[str, pd.DataFrame]:
    """The public tables and the truth the checks score them against (frames starting with `_`)."""
    loser_rows, sfdc_account, zuora_account = g.loser_rows, g.sfdc_account, g.zuora_account
    customers, since, company, survivor, zuora_ids = g.customers, g.since, g.company, g.survivor, g.zuora_ids
    crm_id, labels, losers_frame = g.crm_id, g.labels, g.losers_frame
    parent_ids, prospect_ids, missing, unknown = g.parent_ids, g.prospect_ids, g.missing, g.unknown
    customer_truth = pd.DataFrame({
        "customer": np.arange(n),
        "since": since,
        "company": company,
        "crm_account_id": survivor,
        "billing_account_id": zuora_ids,
        "portal_customer_id": customers["id"].to_numpy(),
        "crm_recoverable": ~(missing | unknown),
    })
    billing_truth = pd.DataFrame({
        "billing_account_id": zuora_ids,
        "crm_id": crm_id,
        "true_crm_account_id": survivor,
        "expected_crm_account_id": np.where(missing | unknown, None, survivor),
        "is_recoverable": ~(missing | unknown),
        "defects": labels,
    })
    # Truth of every SFDC row: survivor and ultimate parent.
    surv_of = dict(zip(survivor, survivor))
    surv_of.update(dict(zip(parent_ids, parent_ids)))
    surv_of.update(dict(zip(prospect_ids, prospect_ids)))
    depth_of = {}
    for lid, _, _, c, depth in loser_rows:
        surv_of[lid] = survivor[c]
        depth_of[lid] = depth
    up = dict(zip(sfdc_account["id"], sfdc_account["ultimate_parent_account_id"]))
    crm_truth = pd.DataFrame({"crm_account_id": sfdc_account["id"].to_numpy(dtype=object)})
    crm_truth["surviving_crm_account_id"] = crm_truth["crm_account_id"].map(surv_of)
    crm_truth["ultimate_parent_crm_account_id"] = crm_truth["surviving_crm_account_id"].map(up)
    crm_truth["is_merged"] = sfdc_account["is_deleted"].to_numpy(dtype=bool)
    crm_truth["merge_depth"] = crm_truth["crm_account_id"].map(depth_of).fillna(0).astype("int64")
    return {
        "sfdc/account": sfdc_account,
        "zuora/account": zuora_account,
        "customers_db/customers": customers,
        "_customers": customer_truth,
        "_billing_truth": billing_truth,
        "_crm_truth": crm_truth,
        "_merged_losers": losers_frame[["id"]],
    }


def build_customers(rng: np.random.Generator, n: int, window_start: dt.date, as_of: dt.date,
                    rates: DefectRates) -> dict[str, pd.DataFrame]:
    """One builder per table, called in the order they draw from `rng` (same seed, same bytes)."""
    g = _accounts(rng, n, window_start, as_of, rates)
    _sfdc_account(rng, g, window_start, as_of)
    _zuora_account(rng, g, n, rates)
    _portal_customers(rng, g, n)
    return _truth(g, n)
