"""GitLab.com: namespaces (personal, groups, nested subgroups), their plans in
`gitlab_subscriptions` (paid, trial, free; stale duplicate rows), users and members.

Paid groups come from the SaaS subscription lineages; trials and free groups
are added around them so paid customers are the minority, as on GitLab.com.
"""

from __future__ import annotations

import datetime as dt
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from customer_usage_sim.config import PAID_PLAN_IDS, PLANS, TRIAL_PLAN_IDS, DefectRates, Scale
from customer_usage_sim.timeutil import day_plus_seconds, random_dates


def _ts(days) -> pd.Series:
    return pd.to_datetime(np.asarray(days, dtype="datetime64[D]"))


def _top_groups(rng: np.random.Generator, scale: Scale, lineages: pd.DataFrame, as_of: dt.date,
                window_start: dt.date, rates: DefectRates) -> SimpleNamespace:
    """Top-level groups (paid from the SaaS lineages, trials, free), their plans, seats and subgroup ids."""
    saas = lineages[lineages["deployment"] == "SaaS"].reset_index(drop=True)
    n_paid = len(saas)
    n_trial = int(round(scale.customers * scale.trial_share))
    n_expired = int(round(scale.customers * scale.expired_trial_share))
    n_free = scale.free_groups
    kinds = np.concatenate([
        np.full(n_paid, "paid", dtype=object), np.full(n_trial, "trial", dtype=object),
        np.full(n_expired, "expired_trial", dtype=object), np.full(n_free, "free", dtype=object),
    ])
    n_top = len(kinds)
    top_id = 1000 + np.arange(n_top, dtype=np.int64) * 10  # leave gaps: unknown ids look plausible
    active = np.zeros(n_top, dtype=bool)
    active[:n_paid] = saas["status"].to_numpy() == "Active"
    start = np.empty(n_top, dtype="datetime64[D]")
    start[:n_paid] = saas["start"].to_numpy(dtype="datetime64[D]")
    start[n_paid:] = random_dates(rng, window_start, as_of, n_top - n_paid)

    # Trials: current trials started in the last 30 days; expired ones earlier; some paid groups converted from one.
    trial_start = np.full(n_top, np.datetime64("NaT"), dtype="datetime64[D]")
    cur = kinds == "trial"
    trial_start[cur] = np.datetime64(as_of, "D") - rng.integers(0, 29, size=int(cur.sum())).astype("timedelta64[D]")
    exp = kinds == "expired_trial"
    trial_start[exp] = random_dates(rng, window_start, as_of - dt.timedelta(days=45), int(exp.sum()))
    converted = np.zeros(n_top, dtype=bool)
    converted[:n_paid] = rng.random(n_paid) < 0.3
    trial_start[converted] = start[converted] - np.timedelta64(30, "D")
    trial_end = trial_start + np.timedelta64(30, "D")
    start = np.where(cur | exp, trial_start, start)

    # Current plan of each top-level group.
    tier_ult = np.zeros(n_top, dtype=bool)
    tier_ult[:n_paid] = saas["tier"].to_numpy() == "Ultimate"
    tier_ult[n_paid:] = rng.random(n_top - n_paid) < 0.5
    legacy = rng.random(n_top) < 0.05
    plan = np.full(n_top, 34, dtype=np.int64)
    paid_now = (kinds == "paid") & active
    plan[paid_now] = np.where(tier_ult[paid_now], np.where(legacy[paid_now], 4, 101), np.where(legacy[paid_now], 3, 100))
    plan[cur] = np.where(tier_ult[cur], 102, 103)

    seats = np.zeros(n_top, dtype=np.int64)
    seats[:n_paid] = saas["seats_now"].to_numpy()
    in_use = np.where(paid_now, np.maximum(1, np.round(seats * rng.uniform(0.6, 1.0, n_top))), 0).astype(np.int64)
    overage = paid_now & (rng.random(n_top) < rates.seats_overage)
    in_use[overage] = seats[overage] + np.maximum(1, np.round(seats[overage] * rng.uniform(0.02, 0.2, int(overage.sum())))).astype(np.int64)
    max_used = np.where(paid_now, in_use + rng.poisson(2, n_top), 0)
    # Billable members back the seats in use; others are small teams.
    billable = np.where(paid_now, in_use, np.where(kinds == "paid", 5, rng.integers(1, 6, n_top)))

    # Subgroups: paid groups always have at least one (so orders can land on one).
    n_sub = np.where(kinds == "paid", 1 + rng.geometric(0.5, n_top) - 1, rng.integers(0, 3, n_top))
    n_sub = np.minimum(n_sub, 6)
    sub_owner = np.repeat(np.arange(n_top), n_sub)
    sub_rank = np.concatenate([np.arange(k) for k in n_sub]) if n_sub.sum() else np.array([], dtype=int)
    sub_id = top_id[sub_owner] + 1 + sub_rank  # gaps of 10 leave room for 9 subgroups
    # Nesting: a subgroup's parent is the top group or an earlier subgroup of the same tree.
    parent_rank = np.where(sub_rank > 0, np.floor(rng.random(len(sub_rank)) * (sub_rank + 1)).astype(int) - 1, -1)
    sub_parent = np.where(parent_rank < 0, top_id[sub_owner], top_id[sub_owner] + 1 + parent_rank)
    return SimpleNamespace(
        active=active, billable=billable, converted=converted, cur=cur, in_use=in_use, kinds=kinds,
        max_used=max_used, n_paid=n_paid, n_top=n_top, paid_now=paid_now, plan=plan, saas=saas, seats=seats,
        start=start, sub_id=sub_id, sub_owner=sub_owner, sub_parent=sub_parent, sub_rank=sub_rank,
        top_id=top_id, trial_end=trial_end, trial_start=trial_start,
    )


def _users(rng: np.random.Generator, g: SimpleNamespace, as_of: dt.date, window_start: dt.date) -> pd.DataFrame:
    """gitlab_dotcom.users: active humans, bots, blocked/deactivated accounts."""
    n_top, billable = g.n_top, g.billable
    # Users: active humans, bots, blocked/deactivated accounts; members drawn from those pools.
    n_billable_total = int(billable.sum())
    n_humans = max(50, int(n_billable_total * 0.9))
    n_bots = max(5, n_top // 4)
    n_blocked = max(5, n_top // 4)
    n_users = n_humans + n_bots + n_blocked
    user_ids = np.arange(1, n_users + 1, dtype=np.int64)
    state = np.concatenate([np.full(n_humans, "active", dtype=object), np.full(n_bots, "active", dtype=object),
                            np.where(rng.random(n_blocked) < 0.5, "blocked", "deactivated").astype(object)])
    user_type = np.concatenate([np.full(n_humans, None, dtype=object),
                                np.where(rng.random(n_bots) < 0.7, "project_bot", "service_account").astype(object),
                                np.full(n_blocked, None, dtype=object)])
    user_created = day_plus_seconds(random_dates(rng, window_start - dt.timedelta(days=700), as_of, n_users), rng)
    users = pd.DataFrame({"id": user_ids, "state": state, "user_type": user_type, "created_at": user_created})
    vars(g).update(n_blocked=n_blocked, n_bots=n_bots, n_humans=n_humans, user_created=user_created,
        user_ids=user_ids, users=users)
    return users


def _members(rng: np.random.Generator, g: SimpleNamespace, as_of: dt.date) -> pd.DataFrame:
    """gitlab_dotcom.members: billable humans per group, bots, blocked users, pending requests."""
    n_humans, n_top, billable, user_ids, n_bots = g.n_humans, g.n_top, g.billable, g.user_ids, g.n_bots
    n_blocked, start, top_id = g.n_blocked, g.start, g.top_id
    perm = rng.permutation(n_humans)
    offsets = rng.integers(0, n_humans, n_top)
    idx = np.repeat(np.arange(n_top), billable)
    within = np.arange(len(idx)) - np.repeat(np.cumsum(billable) - billable, billable)
    human_member = user_ids[perm[(offsets[idx] + within) % n_humans]]
    has_bot = rng.random(n_top) < 0.5
    n_blk = rng.integers(0, 3, n_top)
    n_pending = rng.integers(0, 3, n_top)
    bot_member_ns = np.flatnonzero(has_bot)
    bot_user = user_ids[n_humans + rng.integers(0, n_bots, len(bot_member_ns))]
    blk_ns = np.repeat(np.arange(n_top), n_blk)
    blk_user = user_ids[n_humans + n_bots + rng.integers(0, n_blocked, len(blk_ns))]
    pend_ns = np.repeat(np.arange(n_top), n_pending)
    pend_user = user_ids[perm[(offsets[pend_ns] + billable[pend_ns] + np.arange(len(pend_ns)) % 3 + 1) % n_humans]]
    m_ns = np.concatenate([idx, bot_member_ns, blk_ns, pend_ns])
    m_user = np.concatenate([human_member, bot_user, blk_user, pend_user])
    m_pending = np.concatenate([np.zeros(len(idx) + len(bot_member_ns) + len(blk_ns), bool), np.ones(len(pend_ns), bool)])
    first_member = np.r_[True, idx[1:] != idx[:-1]] if len(idx) else np.array([], bool)
    access = np.where(rng.random(len(m_ns)) < 0.6, 30, rng.choice([10, 20, 40], len(m_ns)))
    access[: len(idx)][first_member] = 50  # every group has an owner
    m_created = day_plus_seconds(start[m_ns] + rng.integers(0, 60, len(m_ns)).astype("timedelta64[D]"), rng)
    m_created = np.minimum(m_created, np.datetime64(as_of, "us"))
    # Drop accidental double memberships (pending request of someone already a member).
    members = pd.DataFrame({"source_id": top_id[m_ns], "user_id": m_user, "pending": m_pending,
                            "access_level": access.astype(np.int64), "created_at": m_created})
    members = members.drop_duplicates(["source_id", "user_id"], keep="first").reset_index(drop=True)
    members.insert(0, "id", np.arange(1, len(members) + 1, dtype=np.int64))
    members["source_type"] = "Namespace"
    members["requested_at"] = members["created_at"].where(members["pending"])
    members = members[["id", "source_id", "source_type", "user_id", "access_level", "requested_at", "created_at"]]
    vars(g).update(members=members)
    return members


def _namespaces(rng: np.random.Generator, g: SimpleNamespace) -> pd.DataFrame:
    """gitlab_dotcom.namespaces: top-level groups, subgroups, and a personal namespace per human user."""
    n_top, start, top_id, sub_id, n_humans = g.n_top, g.start, g.top_id, g.sub_id, g.n_humans
    sub_parent, sub_owner, user_created, kinds = g.sub_parent, g.sub_owner, g.user_created, g.kinds
    sub_rank, user_ids, members = g.sub_rank, g.user_ids, g.members
    # Namespaces: top-level groups, subgroups, and a personal namespace per human user.
    owner = np.full(n_top, 0, dtype=np.int64)
    owners = members[members["access_level"] == 50].drop_duplicates("source_id").set_index("source_id")["user_id"]
    owner = pd.Series(top_id).map(owners).to_numpy()
    slug = np.array([f"{k.replace('_', '-')}-group-{i}" for i, k in enumerate(kinds)], dtype=object)
    top_created = day_plus_seconds(start - rng.integers(1, 90, n_top).astype("timedelta64[D]"), rng)
    groups = pd.DataFrame({
        "id": top_id, "name": slug, "path": slug, "type": "Group", "parent_id": pd.array([None] * n_top, dtype="Int64"),
        "owner_id": pd.array(owner, dtype="Int64"), "created_at": top_created, "updated_at": top_created,
    })
    sub_path = np.array([f"{slug[o]}-sub-{r}" for o, r in zip(sub_owner, sub_rank)], dtype=object)
    subgroups = pd.DataFrame({
        "id": sub_id, "name": sub_path, "path": sub_path, "type": "Group", "parent_id": pd.array(sub_parent, dtype="Int64"),
        "owner_id": pd.array(owner[sub_owner], dtype="Int64"), "created_at": top_created[sub_owner], "updated_at": top_created[sub_owner],
    })
    personal_id = 1000 + n_top * 10 + np.arange(n_humans, dtype=np.int64)
    uname = np.array([f"user{u}" for u in user_ids[:n_humans]], dtype=object)
    personal = pd.DataFrame({
        "id": personal_id, "name": uname, "path": uname, "type": "User", "parent_id": pd.array([None] * n_humans, dtype="Int64"),
        "owner_id": pd.array(user_ids[:n_humans], dtype="Int64"), "created_at": user_created[:n_humans], "updated_at": user_created[:n_humans],
    })
    namespaces = pd.concat([groups, subgroups, personal], ignore_index=True)
    vars(g).update(namespaces=namespaces, personal_id=personal_id, slug=slug, top_created=top_created)
    return namespaces


def _gitlab_subscriptions(rng: np.random.Generator, g: SimpleNamespace, as_of: dt.date, rates: DefectRates) -> pd.DataFrame:
    """gitlab_dotcom.gitlab_subscriptions: every paid/trial group, most free groups, a few personal
    namespaces, and stale duplicate rows."""
    n_top, kinds, n_paid, n_humans, top_id, plan = g.n_top, g.kinds, g.n_paid, g.n_humans, g.top_id, g.plan
    in_use, max_used, cur, top_created = g.in_use, g.max_used, g.cur, g.top_created
    personal_id, user_created, saas, start, seats = g.personal_id, g.user_created, g.saas, g.start, g.seats
    paid_now, trial_start, trial_end, active = g.paid_now, g.trial_start, g.trial_end, g.active
    # gitlab_subscriptions: every paid/trial group, most free groups, a few personal namespaces.
    has_row = (kinds != "free") | (rng.random(n_top) < 0.5)
    gs_top = np.flatnonzero(has_row)
    cancel = np.full(n_top, np.datetime64("NaT"), dtype="datetime64[D]")
    cancel[:n_paid] = pd.to_datetime(saas["cancel"]).to_numpy(dtype="datetime64[D]")
    term_end = np.full(n_top, np.datetime64("NaT"), dtype="datetime64[D]")
    term_end[:n_paid] = pd.to_datetime(saas["term_end_now"]).to_numpy(dtype="datetime64[D]")
    term_start = np.full(n_top, np.datetime64("NaT"), dtype="datetime64[D]")
    term_start[:n_paid] = pd.to_datetime(saas["term_start_now"]).to_numpy(dtype="datetime64[D]")
    gs_updated = day_plus_seconds(np.minimum(np.where(kinds == "paid", np.where(active, start, cancel), start) + rng.integers(0, 20, n_top).astype("timedelta64[D]"),
                                             np.datetime64(as_of, "D")), rng)
    gs = pd.DataFrame({
        "namespace_id": top_id[gs_top],
        "hosted_plan_id": plan[gs_top],
        "seats": seats[gs_top] * paid_now[gs_top],
        "seats_in_use": in_use[gs_top],
        "max_seats_used": max_used[gs_top],
        "start_date": _ts(np.where(paid_now[gs_top], term_start[gs_top], np.where(kinds[gs_top] == "paid", start[gs_top], trial_start[gs_top]))),
        "end_date": _ts(np.where(paid_now[gs_top], term_end[gs_top], np.where(kinds[gs_top] == "paid", cancel[gs_top], trial_end[gs_top]))),
        "trial": cur[gs_top],
        "trial_starts_on": _ts(trial_start[gs_top]),
        "trial_ends_on": _ts(trial_end[gs_top]),
        "created_at": top_created[gs_top],
        "updated_at": gs_updated[gs_top],
        "_top": gs_top,
        "_stale": False,
    })
    n_pers = int(n_humans * 0.05)
    pers_rows = pd.DataFrame({
        "namespace_id": personal_id[:n_pers], "hosted_plan_id": 34, "seats": 0, "seats_in_use": 0, "max_seats_used": 0,
        "start_date": pd.NaT, "end_date": pd.NaT, "trial": False, "trial_starts_on": pd.NaT, "trial_ends_on": pd.NaT,
        "created_at": user_created[:n_pers], "updated_at": user_created[:n_pers], "_top": -1, "_stale": False,
    })
    with warnings.catch_warnings():  # all-NaT date columns: the dtype is already right
        warnings.simplefilter("ignore", FutureWarning)
        gs = pd.concat([gs, pers_rows], ignore_index=True)
    dup = rng.random(len(gs)) < rates.duplicate_gitlab_subscriptions
    stale = gs[dup].copy()
    stale["hosted_plan_id"] = np.where(np.isin(stale["hosted_plan_id"], PAID_PLAN_IDS + TRIAL_PLAN_IDS), 34, 103)
    stale["seats"] = 0
    stale["seats_in_use"] = 0
    stale["max_seats_used"] = 0
    stale["trial"] = stale["hosted_plan_id"] == 103
    back = pd.to_timedelta(rng.integers(1, 200, len(stale)), unit="D")
    stale["updated_at"] = stale["updated_at"] - back
    stale["created_at"] = np.minimum(stale["created_at"], stale["updated_at"])
    stale["_stale"] = True
    if len(stale):
        gs = pd.concat([gs, stale], ignore_index=True)
    gs.insert(0, "id", np.arange(1, len(gs) + 1, dtype=np.int64))
    gs["trial"] = gs["trial"].astype(bool)
    vars(g).update(cancel=cancel, gs=gs, has_row=has_row)
    return gs


def _tops(g: SimpleNamespace) -> pd.DataFrame:
    """One row per top-level group: what the other systems' builders need to know about it."""
    return pd.DataFrame({
        "top": np.arange(g.n_top), "namespace_id": g.top_id, "kind": g.kinds, "plan": g.plan, "has_row": g.has_row,
        "lineage": np.r_[g.saas["lineage"].to_numpy(), np.full(g.n_top - g.n_paid, -1)],
        "active": g.active, "paid_now": g.paid_now, "start": g.start, "trial_start": g.trial_start,
        "trial_end": g.trial_end, "converted": g.converted, "cancel": g.cancel, "seats": g.seats,
        "seats_in_use": g.in_use, "name": g.slug,
        "first_subgroup": pd.Series(g.sub_id).groupby(g.sub_owner).first().reindex(np.arange(g.n_top)).to_numpy(),
    })


def build_dotcom(rng: np.random.Generator, scale: Scale, lineages: pd.DataFrame, as_of: dt.date,
                 window_start: dt.date, rates: DefectRates) -> dict[str, pd.DataFrame]:
    """Every gitlab_dotcom table, one builder each, called in the order they draw from `rng`
    (the same seed must give the same bytes)."""
    g = _top_groups(rng, scale, lineages, as_of, window_start, rates)
    users = _users(rng, g, as_of, window_start)
    members = _members(rng, g, as_of)
    namespaces = _namespaces(rng, g)
    gs = _gitlab_subscriptions(rng, g, as_of, rates)
    plans = pd.DataFrame(PLANS, columns=["id", "name", "title"])
    plans["id"] = plans["id"].astype(np.int64)
    return {
        "gitlab_dotcom/namespaces": namespaces,
        "gitlab_dotcom/gitlab_subscriptions": gs,
        "gitlab_dotcom/plans": plans,
        "gitlab_dotcom/members": members,
        "gitlab_dotcom/users": users,
        "_tops": _tops(g),
        "_subgroups": pd.DataFrame({"namespace_id": g.sub_id, "parent_id": g.sub_parent, "top": g.sub_owner}),
        "_personal": pd.DataFrame({"namespace_id": g.personal_id}),
    }
