"""Self-managed installations and their weekly Service Pings (version_db.usage_data),
plus the seat links paid installations report to the customer portal.

Work is split in two passes so memory stays bounded at any scale: a cheap
pass lays out every ping's installation and timestamp (needed for global
quantities such as the "old ping" cutoff), then installations are processed
in chunks that each yield finished Arrow tables (landing rows and truth).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_usage_sim import ids
from customer_usage_sim import payload as P
from customer_usage_sim.config import LATE_METRICS, WAVE2_METRICS, DefectRates, Scale

DAY = 86400
# Typical growth per user and day of each all-time counter (orders of magnitude, not data).
PER_USER_DAILY = {
    "counts.commit_comment": 0.3, "counts.source_code_pushes": 2.0, "counts.ci_builds": 8.0,
    "counts.ci_runners": 0.003, "counts.auto_devops_enabled": 0.001, "counts.template_repositories": 0.002,
    "counts.projects_with_packages": 0.004, "usage_activity_by_stage.verify.ci_builds": 0.01,
}
_EPOCH_DAY = np.datetime64("1970-01-01", "D")


def _days(x) -> np.ndarray:
    return (np.asarray(x, dtype="datetime64[D]") - _EPOCH_DAY).astype(np.int64)


@dataclass
class Installations:
    frame: pd.DataFrame  # one row per (uuid, host_id), ordered by `inst`
    ping_inst: np.ndarray  # per ping: installation index (sorted)
    ping_t: np.ndarray  # per ping: recorded_at, seconds since epoch
    ping_resent: np.ndarray  # per ping: an extra re-sent ping
    absent_cutoff: int  # pings before this second lack LATE_METRICS


def _installations(
    rng: np.random.Generator,
    scale: Scale,
    world: dict[str, pd.DataFrame],
    as_of: dt.date,
    window_start: dt.date,
) -> SimpleNamespace:
    """Installations: one per Self-Managed lineage, staging servers on the same license, trials, free ones, clones."""
    lin = world["_lineages"]
    sm = lin[lin["deployment"] == "Self-Managed"].reset_index(drop=True)
    as_of_day = int(_days(np.datetime64(as_of, "D")))
    last_day = as_of_day - 1  # every ping is recorded before the as-of date
    n_sm = len(sm)
    second = rng.random(n_sm) < 0.1
    # A staging/test server on the same license as production (its own uuid): data-contract §6.
    staging = rng.random(n_sm) < 0.15
    p_lineage = np.concatenate([sm["lineage"].to_numpy(), sm["lineage"].to_numpy()[second], sm["lineage"].to_numpy()[staging]])
    p_kind = np.concatenate([np.full(n_sm, "paid", dtype=object), np.full(int(second.sum()), "paid_second", dtype=object),
                             np.full(int(staging.sum()), "paid_staging", dtype=object)])
    p_start = _days(sm["start"].to_numpy(dtype="datetime64[D]"))
    p_start = np.concatenate([p_start, p_start[second], p_start[staging]])
    cancel = pd.to_datetime(sm["cancel"]).to_numpy(dtype="datetime64[D]")
    p_end = np.where(np.isnat(cancel), last_day, _days(cancel) - 1)
    p_end = np.concatenate([p_end, p_end[second], p_end[staging]])
    p_first = p_start + rng.integers(0, 15, len(p_start))

    n_free = scale.free_installations
    sm_trials = world["_sm_trial_orders"]
    n_trial = len(sm_trials)
    f_first = _days(np.datetime64(window_start, "D")) + rng.integers(0, as_of_day - _days(np.datetime64(window_start, "D")) - 30, n_free)
    f_end = np.where(rng.random(n_free) < 0.2, np.minimum(f_first + rng.integers(60, 500, n_free), last_day), last_day)
    f_kind = np.full(n_free, "free", dtype=object)
    f_kind[:n_trial] = "free_trial"
    # a trial installation starts pinging a little before its trial license
    f_first[:n_trial] = np.minimum(_days(sm_trials["start_date"].to_numpy(dtype="datetime64[D]")) - rng.integers(0, 60, n_trial), last_day - 7)
    f_end[:n_trial] = last_day

    kind = np.concatenate([p_kind, f_kind])
    lineage = np.concatenate([p_lineage, np.full(n_free, -1)])
    first = np.concatenate([p_first, f_first])
    end = np.concatenate([p_end, f_end])
    # Clones: the same uuid shows up on another host (restored backup, copied VM).
    clone = rng.random(len(kind)) < 0.05
    c_first = np.minimum(first[clone] + rng.integers(30, 200, int(clone.sum())), end[clone])
    kind = np.concatenate([kind, np.full(int(clone.sum()), "clone", dtype=object)])
    src = np.concatenate([np.arange(len(lineage)), np.flatnonzero(clone)])
    lineage = np.concatenate([lineage, lineage[clone]])
    first = np.concatenate([first, c_first])
    end = np.concatenate([end, end[clone]])
    n = len(kind)
    trial_of = np.full(n, -1)
    trial_of[np.flatnonzero(kind == "free_trial")] = np.arange(n_trial)
    trial_of[len(src) - int(clone.sum()):] = trial_of[src[len(src) - int(clone.sum()):]]

    uuid_base = ids.uuids(rng, len(src) - int(clone.sum()))
    uuid = uuid_base[src]
    host_id = np.arange(1, n + 1, dtype=np.int64) * 7 + 100
    company = world["_customers"]["company"].to_numpy()
    lin_customer = lin.set_index("lineage")["customer"]
    slug = np.array([
        (company[lin_customer[l]].split(" ")[0].lower() + str(lin_customer[l])) if l >= 0 else f"selfhosted{s}"
        for l, s in zip(lineage, src)
    ], dtype=object)
    prefix = np.where(kind == "paid_second", "gitlab-dr", np.where(kind == "clone", "gitlab-staging", "gitlab"))
    # staging servers: mostly named so the hostname rule finds them; `gitlab-preview` it cannot
    # (reference/installation_types.csv overrides those, see installation_type_overrides)
    staging_names = np.array(["staging.gitlab", "gitlab-test", "qa-gitlab", "gitlab-preview"], dtype=object)
    prefix = np.where(kind == "paid_staging", staging_names[np.arange(n) % len(staging_names)], prefix)
    hostname = np.array([f"{p}.{s}.example.com" for p, s in zip(prefix, slug)], dtype=object)
    frame = pd.DataFrame({
        "inst": np.arange(n), "uuid": uuid, "host_id": host_id, "hostname": hostname, "kind": kind,
        "lineage": lineage, "first_day": first, "end_day": end, "trial": trial_of,
        "lag": rng.integers(0, 8, n), "tod": rng.integers(0, DAY, n),
        "free_ce": rng.random(n) < 0.5,
    })
    return SimpleNamespace(
        as_of_day=as_of_day, end=end, first=first, frame=frame, kind=kind, n=n,
    )


def _ping_times(rng: np.random.Generator, g: SimpleNamespace) -> None:
    """When each installation pings: weekly, some weeks missing, some silent for months, some switched off."""
    frame, first, n, kind, end, as_of_day = g.frame, g.first, g.n, g.kind, g.end, g.as_of_day
    # Pings switched off: some paid production instances send only Seat Link (data-contract §6).
    frame["pings_off"] = (kind == "paid") & (rng.random(n) < 0.1)

    # Weekly pings, some weeks missing, some installations silent for a few months.
    weeks = np.maximum((end - first) // 7 + 1, 0)
    weeks = np.where(end >= first, weeks, 0)
    inst = np.repeat(np.arange(n), weeks)
    k = np.arange(len(inst)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    day = first[inst] + 7 * k
    keep = rng.random(len(inst)) >= 0.05
    gap = rng.random(n) < 0.1
    gap_start = first + rng.integers(0, np.maximum(end - first, 1))
    gap_len = rng.integers(30, 100, n)
    in_gap = gap[inst] & (day >= gap_start[inst]) & (day < gap_start[inst] + gap_len[inst])
    keep &= ~in_gap
    keep[np.r_[True, inst[1:] != inst[:-1]] if len(inst) else []] = True  # never drop an installation's first ping
    inst, day = inst[keep], day[keep]
    t = day * DAY + frame["tod"].to_numpy()[inst] + rng.integers(0, 3600, len(inst))
    t = np.minimum(t, as_of_day * DAY - 1)
    vars(g).update(inst=inst, t=t)


def _resent(rng: np.random.Generator, g: SimpleNamespace, rates: DefectRates) -> Installations:
    """Re-sent pings: a second ping in the same month, hours to days later."""
    frame, t, inst, n, as_of_day = g.frame, g.t, g.inst, g.n, g.as_of_day
    # Re-sent pings: a second ping in the same month, hours to days later.
    p = rates.several_pings_per_month / max(1e-9, 1 - rates.several_pings_per_month)
    extra = rng.random(len(inst)) < p
    e_t = t[extra] + rng.integers(2 * 3600, 3 * DAY, int(extra.sum()))
    month_end = _month_end_seconds(t[extra])
    e_t = np.minimum(e_t, np.minimum(month_end - 1, as_of_day * DAY - 1))
    e_t = np.maximum(e_t, t[extra] + 1)
    all_inst = np.concatenate([inst, inst[extra]])
    all_t = np.concatenate([t, e_t])
    resent = np.concatenate([np.zeros(len(t), bool), np.ones(len(e_t), bool)])
    order = np.lexsort((all_t, all_inst))
    all_inst, all_t, resent = all_inst[order], all_t[order], resent[order]
    cutoff = int(np.quantile(all_t, rates.metric_absent_old_ping)) if len(all_t) and rates.metric_absent_old_ping > 0 else -1
    frame["n_pings"] = np.where(frame["pings_off"], 0, np.bincount(all_inst, minlength=n))
    return Installations(frame, all_inst, all_t, resent, cutoff)


def layout(rng: np.random.Generator, scale: Scale, world: dict[str, pd.DataFrame], as_of: dt.date,
           window_start: dt.date, rates: DefectRates) -> Installations:
    """Every installation and when it pings, one step each, in the order they draw from `rng`
    (the same seed must give the same bytes)."""
    g = _installations(rng, scale, world, as_of, window_start)
    _ping_times(rng, g)
    return _resent(rng, g, rates)


def _month_end_seconds(t: np.ndarray) -> np.ndarray:
    months = t.astype("datetime64[s]").astype("datetime64[M]")
    return ((months + 1).astype("datetime64[s]") - np.datetime64(0, "s")).astype(np.int64)


def _version_string(t: np.ndarray, lag: np.ndarray) -> np.ndarray:
    months = t.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) - lag
    k = months - (np.datetime64("2024-05", "M").astype(np.int64))  # 17.0 shipped in May 2024
    major = 17 + k // 12
    minor = k % 12
    patch = (t // (DAY * 9)) % 5
    return np.char.add(np.char.add(np.char.add(major.astype(str), "."), np.char.add(minor.astype(str), ".")), patch.astype(str)).astype(object)


@dataclass
class Lookups:
    """Cross-system facts a ping chunk needs (built once)."""

    lic_key: np.ndarray  # lineage * 10**6 + starts_at day, sorted
    lic_md5: np.ndarray
    lic_sub: np.ndarray  # zuora_subscription_id as written
    lic_users: np.ndarray
    lic_version: np.ndarray  # true subscription version
    lic_plan: np.ndarray
    lic_start: np.ndarray
    lic_expire: np.ndarray
    trial_md5: np.ndarray
    trial_start: np.ndarray
    trial_end: np.ndarray
    md5_to_sub: pd.Series  # license_md5 -> zuora_subscription_id as written
    zuora_original: pd.Series  # any version id -> original_id
    lineage_original: np.ndarray
    lineage_crm: np.ndarray
    lineage_tier: np.ndarray
    order_id: np.ndarray  # per lineage: its paid order id (-1: none)
    order_sub: np.ndarray
    order_sub_name: np.ndarray
    lsid_cutoff: int  # pings from this second on report license_subscription_id


def lookups(world: dict[str, pd.DataFrame], window_start: dt.date) -> Lookups:
    lic = world["license_db/licenses"]
    paid = lic[~lic["trial"]].copy()
    paid["start_day"] = _days(paid["starts_at"].to_numpy(dtype="datetime64[D]"))
    paid = paid.sort_values(["_lineage", "start_day", "id"], kind="stable")
    trial = lic[lic["trial"]].sort_values("id")
    lin = world["_lineages"].sort_values("lineage")
    cust = world["_customers"]
    sub = world["zuora/subscription"]
    orders = world["customers_db/orders"]
    sm_orders = orders[(~orders["trial"]) & (orders["_lineage"] >= 0)]
    n_lin = len(lin)
    order_id = np.full(n_lin, -1, dtype=np.int64)
    order_sub = np.full(n_lin, None, dtype=object)
    order_sub_name = np.full(n_lin, None, dtype=object)
    li = sm_orders["_lineage"].to_numpy(dtype=np.int64)
    order_id[li] = sm_orders["id"].to_numpy()
    order_sub[li] = sm_orders["subscription_id"].to_numpy(dtype=object)
    order_sub_name[li] = sm_orders["subscription_name"].to_numpy(dtype=object)
    # trial licenses are handed to free installations in the order of the SM trial orders
    sm_trial_ids = world["_sm_trial_orders"].sort_values("id")
    return Lookups(
        lic_key=paid["_lineage"].to_numpy(np.int64) * 10**6 + paid["start_day"].to_numpy(np.int64),
        lic_md5=paid["license_md5"].to_numpy(dtype=object),
        lic_sub=paid["zuora_subscription_id"].to_numpy(dtype=object),
        lic_users=paid["users_count"].to_numpy(np.int64),
        lic_version=paid["_version_id"].to_numpy(dtype=object),
        lic_plan=paid["plan_code"].to_numpy(dtype=object),
        lic_start=paid["starts_at"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        lic_expire=paid["expires_at"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        trial_md5=trial["license_md5"].to_numpy(dtype=object),
        trial_start=_days(sm_trial_ids["start_date"].to_numpy(dtype="datetime64[D]")),
        trial_end=_days(sm_trial_ids["end_date"].to_numpy(dtype="datetime64[D]")),
        md5_to_sub=pd.Series(lic["zuora_subscription_id"].to_numpy(dtype=object), index=lic["license_md5"].to_numpy(dtype=object)),
        zuora_original=pd.Series(sub["original_id"].to_numpy(dtype=object), index=sub["id"].to_numpy(dtype=object)),
        lineage_original=lin["original_id"].to_numpy(dtype=object),
        lineage_crm=cust["crm_account_id"].to_numpy(dtype=object)[lin["customer"].to_numpy()],
        lineage_tier=lin["tier"].to_numpy(dtype=object),
        order_id=order_id, order_sub=order_sub, order_sub_name=order_sub_name,
        lsid_cutoff=int(_days(np.datetime64(window_start, "D")) + 300) * DAY,
    )


@dataclass
class PingChunk:
    usage_data: dict  # column -> array, contract order
    truth: pd.DataFrame
    seat_links: dict
    defects: pd.DataFrame


def chunks(seed: int, inst: Installations, lk: Lookups, rates: DefectRates,
           chunk_installations: int, first_id: int = 1) -> Iterator[PingChunk]:
    frame = inst.frame
    n_inst = len(frame)
    next_id = first_id
    for c, lo in enumerate(range(0, n_inst, chunk_installations)):
        hi = min(lo + chunk_installations, n_inst)
        a, b = np.searchsorted(inst.ping_inst, [lo, hi])
        rng = np.random.default_rng([seed, 7, c])  # one stream per chunk: same seed, same chunk, same rows
        chunk = _chunk(rng, frame.iloc[lo:hi].reset_index(drop=True), lo, inst.ping_inst[a:b] - lo, inst.ping_t[a:b],
                       inst.ping_resent[a:b], inst.absent_cutoff, lk, rates, next_id)
        next_id += b - a
        yield chunk


def _group_cummax(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    big = float(values.max() + 1) if len(values) else 1.0
    return np.maximum.accumulate(values + group * big) - group * big


def _group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running sum restarting at each new group (rows are sorted by group)."""
    if len(values) == 0:
        return values
    cs = np.cumsum(values)
    starts = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(cs)), 0))
    return cs - (cs[first] - values[first])


def _chunk_context(fr: pd.DataFrame, pi: np.ndarray, t: np.ndarray) -> SimpleNamespace:
    """The chunk's installations, lineages and days."""
    n = len(pi)
    n_i = len(fr)
    kind = fr["kind"].to_numpy()
    lineage = fr["lineage"].to_numpy()[pi]
    paid = lineage >= 0
    day = t // DAY
    return SimpleNamespace(
        day=day, kind=kind, lineage=lineage, n=n, n_i=n_i, paid=paid,
    )


def _licenses_in_use(
    rng: np.random.Generator,
    g: SimpleNamespace,
    fr: pd.DataFrame,
    pi: np.ndarray,
    t: np.ndarray,
    lk: Lookups,
    rates: DefectRates,
) -> None:
    """The license each ping reports: the lineage's latest license started on or before its day."""
    paid, n, day, lineage = g.paid, g.n, g.day, g.lineage
    # License in use: the lineage's latest license started on or before the ping's day.
    lic_idx = np.searchsorted(lk.lic_key, np.where(paid, lineage * 10**6 + day, 0), side="right") - 1
    lic_idx = np.where(paid, np.maximum(lic_idx, 0), 0)
    if len(lk.lic_key) == 0:
        lic_idx = np.zeros(n, dtype=int)
    trial_i = fr["trial"].to_numpy()[pi]
    in_trial = np.zeros(n, dtype=bool)
    if len(lk.trial_start):
        ti = np.maximum(trial_i, 0)
        in_trial = (trial_i >= 0) & (day >= lk.trial_start[ti]) & (day <= lk.trial_end[ti])
    true_md5 = np.where(paid, lk.lic_md5[lic_idx] if len(lk.lic_md5) else None, None)
    true_md5 = np.where(in_trial, lk.trial_md5[np.maximum(trial_i, 0)] if len(lk.trial_md5) else None, true_md5)
    u = rng.random(n)
    md5_unknown = paid & (u < rates.ping_unknown_license_md5)
    md5_missing = paid & ~md5_unknown & (u < rates.ping_unknown_license_md5 + rates.ping_missing_license_md5)
    md5 = np.where(md5_unknown, ids.hex32(rng, n), true_md5)
    md5 = np.where(md5_missing, None, md5)
    newer = t >= lk.lsid_cutoff
    lsid = np.where(paid & newer, lk.lic_sub[lic_idx] if len(lk.lic_sub) else None, None)
    lic_users = np.where(paid, lk.lic_users[lic_idx] if len(lk.lic_users) else 0, np.where(in_trial, 100, 0))
    licensed = paid | in_trial
    vars(g).update(in_trial=in_trial, lic_idx=lic_idx, lic_users=lic_users, licensed=licensed, lsid=lsid,
        md5=md5, md5_missing=md5_missing, md5_unknown=md5_unknown, newer=newer)


def _metrics(
    rng: np.random.Generator,
    g: SimpleNamespace,
    fr: pd.DataFrame,
    pi: np.ndarray,
    t: np.ndarray,
    absent_cutoff: int,
    lk: Lookups,
    rates: DefectRates,
    first_id: int,
) -> None:
    """Users and metrics per installation, drifting over time."""
    licensed, n, paid, lic_users, lineage, n_i = g.licensed, g.n, g.paid, g.lic_users, g.lineage, g.n_i
    in_trial, kind = g.in_trial, g.kind
    # Users and metrics per installation, drifting over time.
    base = np.where(lineage >= 0, lic_users * rng.uniform(0.5, 1.0, n_i)[pi], rng.lognormal(np.log(8), 0.8, n_i)[pi])
    base = np.where(kind[pi] == "paid_staging", base * 0.2, base)  # a staging server has a few testers
    years = (t - fr["first_day"].to_numpy()[pi] * DAY) / (365.0 * DAY)
    slope = rng.uniform(-0.1, 0.4, n_i)[pi]
    active = base * (1 + slope * years) * rng.uniform(0.95, 1.05, n)
    active = np.where(licensed, np.minimum(active, lic_users * 1.15), active)
    active = np.maximum(1, np.round(active)).astype(np.int64)
    hist_max = _group_cummax(active.astype(float), pi).astype(np.int64)
    billable = active - np.floor(active * rng.uniform(0, 0.05, n)).astype(np.int64)
    umau = np.minimum(active, np.round(active * rng.uniform(0.3, 0.9, n_i)[pi] * rng.uniform(0.9, 1.1, n))).astype(np.int64)
    gaps = np.diff(t, prepend=t[:1]) / DAY
    starts = np.r_[True, pi[1:] != pi[:-1]] if n else np.array([], bool)

    metric_vals: dict[str, np.ndarray] = {}
    for j, (path, kind_m) in enumerate(WAVE2_METRICS):
        if path == "usage_activity_by_stage_monthly.manage.events":
            v = umau
        elif kind_m == "user28":
            v = np.minimum(umau, np.round(umau * rng.uniform(0.02, 0.95, n_i)[pi] * rng.uniform(0.85, 1.15, n))).astype(np.int64)
        elif kind_m == "event28":
            v = rng.poisson(rng.uniform(0, 20, n_i)[pi])
        elif kind_m == "bool":
            v = rng.random(n_i)[pi] < {"gitlab_shared_runners_enabled": 0.7, "container_registry_enabled": 0.8}.get(path, 0.4)
        else:  # cumulative: initial stock at the first ping, then growth with elapsed time
            rate = PER_USER_DAILY[path] * rng.lognormal(0, 0.7, n_i)[pi] * np.maximum(base, 1)
            inc = np.where(starts, rate * rng.uniform(30, 1000, n), rate * gaps * rng.uniform(0.5, 1.5, n))
            v = np.floor(_group_cumsum(inc, pi)).astype(np.int64)
        metric_vals[path] = v

    absent = t < absent_cutoff
    minus = rng.random(n) < rates.metric_minus_one
    minus_paths: list[list[str]] = [[] for _ in range(n)]
    counters = [p for p, k in WAVE2_METRICS if k != "bool"]
    late = set(LATE_METRICS)
    for r in np.flatnonzero(minus):
        pool = [p for p in counters if not (absent[r] and p in late)]
        picks = rng.choice(len(pool), size=int(rng.integers(1, 4)), replace=False)
        minus_paths[r] = sorted(pool[i] for i in picks)
    minus_set = {}
    for r in np.flatnonzero(minus):
        for p in minus_paths[r]:
            minus_set.setdefault(p, []).append(r)

    uuid = fr["uuid"].to_numpy()[pi]
    host_id = fr["host_id"].to_numpy()[pi]
    hostname = fr["hostname"].to_numpy()[pi]
    version = _version_string(t, fr["lag"].to_numpy()[pi])
    tier = np.where(paid, lk.lineage_tier[np.maximum(lineage, 0)], None)
    edition = np.where(paid, np.where(tier == "Ultimate", "EEU", "EEP"), np.where(in_trial, "EEU", np.where(fr["free_ce"].to_numpy()[pi], "CE", "EE Free")))
    recorded = t.astype("datetime64[s]").astype("datetime64[us]")
    created = (t + rng.integers(60, 7200, n)).astype("datetime64[s]").astype("datetime64[us]")
    ids_ = np.arange(first_id, first_id + n, dtype=np.int64)
    lic_user_col = np.where(licensed, lic_users, -1)
    vars(g).update(absent=absent, active=active, billable=billable, created=created, edition=edition,
        hist_max=hist_max, host_id=host_id, hostname=hostname, ids_=ids_, late=late,
        lic_user_col=lic_user_col, metric_vals=metric_vals, minus=minus, minus_paths=minus_paths,
        minus_set=minus_set, recorded=recorded, umau=umau, uuid=uuid, version=version)


def _usage_data(g: SimpleNamespace, t: np.ndarray, lk: Lookups) -> None:
    """version_db.usage_data: the ping rows and their JSON payload."""
    paid, metric_vals, version, n, ids_, uuid = g.paid, g.metric_vals, g.version, g.n, g.ids_, g.uuid
    hostname, host_id, edition, md5, lsid = g.hostname, g.host_id, g.edition, g.md5, g.lsid
    hist_max, active, recorded, created, minus_set = g.hist_max, g.active, g.recorded, g.created, g.minus_set
    late, in_trial, lic_user_col, licensed = g.late, g.in_trial, g.lic_user_col, g.licensed
    billable, lic_users, absent = g.billable, g.lic_users, g.absent
    lic_idx, newer, umau = g.lic_idx, g.newer, g.umau
    # ---- payload
    def metric_text(path: str) -> pa.Array:
        kind_m = dict(WAVE2_METRICS)[path]
        v = metric_vals[path]
        txt = P.json_bool(v) if kind_m == "bool" else P.json_int(v)
        if path in minus_set:
            mask = np.zeros(n, bool)
            mask[minus_set[path]] = True
            txt = pc.if_else(pa.array(mask), "-1", txt)
        if path in late:
            txt = P.optional(txt, absent)
        return txt

    lic_start = np.where(paid, lk.lic_start[lic_idx] if len(lk.lic_start) else None, None)
    lic_exp = np.where(paid, lk.lic_expire[lic_idx] if len(lk.lic_expire) else None, None)
    plan = np.where(paid, lk.lic_plan[lic_idx] if len(lk.lic_plan) else None, np.where(in_trial, "ultimate", None))
    commit_c = metric_vals["counts.commit_comment"]
    paths: dict[str, P.Value] = {
        "uuid": P.json_str(uuid),
        "hostname": P.json_str(hostname),
        "version": P.json_str(version),
        "installation_type": '"omnibus-gitlab"',
        "active_user_count": P.json_int(active),
        "recorded_at": pc.binary_join_element_wise('"', pc.strftime(pa.array(t.astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%S"), '.000+00:00"', ""),
        "edition": P.json_str(edition),
        "license_md5": P.json_str(md5),
        "license_id": "null",
        "historical_max_users": P.json_int(hist_max),
        "license_user_count": P.json_int(lic_user_col, licensed),
        "license_billable_users": P.json_int(billable, licensed),
        "license_starts_at": P.json_str(lic_start),
        "license_expires_at": P.json_str(lic_exp),
        "license_plan": P.json_str(plan),
        "license_trial": P.json_bool(in_trial),
        "license_subscription_id": P.optional(P.json_str(lsid), ~newer),
    }
    for path, _ in WAVE2_METRICS:
        if path.startswith("counts."):
            paths[path] = metric_text(path)
    paths["counts.assignee_lists"] = P.json_int(commit_c // 11)
    paths["counts.boards"] = P.json_int(commit_c // 5)
    paths["counts.issues"] = P.json_int(commit_c * 3)
    paths["counts.projects"] = P.json_int(np.maximum(1, metric_vals["counts.source_code_pushes"] // 40))
    for path in ("container_registry_enabled", "gitlab_shared_runners_enabled"):
        paths[path] = metric_text(path)
    paths["dependency_proxy_enabled"] = "false"
    paths["gravatar_enabled"] = "true"
    paths["ldap_enabled"] = P.json_bool(active > 50)
    paths["signup_enabled"] = P.json_bool(active < 20)
    paths["elasticsearch_enabled"] = "false"
    paths["geo_enabled"] = "false"
    paths["git.version.major"] = "2"
    paths["git.version.minor"] = "45"
    paths["gitaly.version"] = P.json_str(version)
    paths["gitaly.servers"] = "1"
    paths["object_store.artifacts.enabled"] = "true"
    paths["object_store.packages.enabled"] = metric_text("object_store.packages.enabled")
    paths["object_store.packages.object_store.enabled"] = "true"
    paths["database.adapter"] = '"postgresql"'
    paths["database.version"] = '"16.4"'
    stage_tail = {"manage": "groups", "create": "snippets", "verify": "ci_triggers", "secure": "user_coverage_fuzzing_jobs",
                  "package": "projects_with_package_registry", "release": "release_links", "plan": "notes", "monitor": "clusters"}
    for prefix in ("usage_activity_by_stage", "usage_activity_by_stage_monthly"):
        for stage, tail in stage_tail.items():
            for path, _ in WAVE2_METRICS:
                if path.startswith(f"{prefix}.{stage}."):
                    paths[path] = metric_text(path)
            paths[f"{prefix}.{stage}.{tail}"] = P.json_int(umau // 3)
    paths["topology.duration_s"] = "0.013"
    paths["topology.nodes"] = '[{"node_cpus": 8, "node_uname_info": {"machine": "x86_64", "sysname": "Linux"}}]'
    doc = P.render(P.nest(paths), n)

    usage_data = {
        "id": ids_, "uuid": uuid, "hostname": hostname, "host_id": host_id, "version": version, "edition": edition,
        "license_md5": md5, "license_subscription_id": lsid,
        "license_user_count": pa.array(lic_users, type=pa.int64(), mask=~licensed),
        "license_billable_users": pa.array(billable, type=pa.int64(), mask=~licensed),
        "historical_max_users": hist_max, "active_user_count": active,
        "recorded_at": recorded, "created_at": created, "payload": doc,
    }
    vars(g).update(usage_data=usage_data)


def _ping_truth(g: SimpleNamespace, pi: np.ndarray, t: np.ndarray, resent: np.ndarray, lk: Lookups) -> None:
    """The truth of each ping: the subscription and account it belongs to, and its defects."""
    paid, lsid, n, md5_unknown, md5_missing, minus = g.paid, g.lsid, g.n, g.md5_unknown, g.md5_missing, g.minus
    absent, ids_, uuid, host_id, lineage, lic_idx = g.absent, g.ids_, g.uuid, g.host_id, g.lineage, g.lic_idx
    md5, minus_paths, recorded = g.md5, g.minus_paths, g.recorded
    # ---- truth
    true_orig = np.where(paid, lk.lineage_original[np.maximum(lineage, 0)], None)
    true_ver = np.where(paid, lk.lic_version[lic_idx] if len(lk.lic_version) else None, None)
    true_crm = np.where(paid, lk.lineage_crm[np.maximum(lineage, 0)], None)
    zo = lk.zuora_original
    lsid_s = pd.Series(lsid, dtype=object)
    rule1 = lsid_s.isin(zo.index).to_numpy()
    via_md5 = pd.Series(md5, dtype=object).map(lk.md5_to_sub)
    rule2 = ~rule1 & via_md5.isin(zo.index).to_numpy()
    expected = np.where(rule1, lsid, np.where(rule2, via_md5.to_numpy(dtype=object), None))
    source = np.where(rule1, "license_subscription_id", np.where(rule2, "license_md5", None))
    exp_orig = pd.Series(expected, dtype=object).map(zo).to_numpy(dtype=object)
    month = recorded.astype("datetime64[M]").astype("datetime64[D]")
    tf = pd.DataFrame({"k1": pi, "k2": pd.Series(exp_orig).fillna(""), "m": month, "t": t})
    is_latest = (tf.groupby(["k1", "k2", "m"], sort=False)["t"].transform("max") == tf["t"]).to_numpy()
    absent_txt = ",".join(LATE_METRICS)
    flags = (("ping_unknown_license_md5", md5_unknown), ("ping_missing_license_md5", md5_missing),
             ("metric_minus_one", minus), ("metric_absent_old_ping", absent), ("several_pings_per_month", resent))
    defects = np.full(n, "", dtype=object)
    for label, flag in flags:
        defects = np.where(flag, np.where(defects == "", label, defects + ("," + label)), defects)
    truth = pd.DataFrame({
        "usage_data_id": ids_, "uuid": uuid, "host_id": host_id, "ping_month": month,
        "true_original_id": true_orig, "true_subscription_id": true_ver, "true_crm_account_id": true_crm,
        "expected_subscription_id": expected, "expected_original_id": exp_orig, "expected_subscription_source": source,
        "is_month_latest": is_latest,
        "absent_metrics": np.where(absent, absent_txt, ""),
        "minus_one_metrics": np.array([",".join(m) for m in minus_paths], dtype=object),
        "defects": defects,
    })
    minus_txt = np.array([",".join(m) for m in minus_paths], dtype=object)
    parts = []
    for label, flag in flags:
        rows = np.flatnonzero(flag)
        detail = minus_txt[rows] if label == "metric_minus_one" else (absent_txt if label == "metric_absent_old_ping" else "")
        parts.append(pd.DataFrame({"system": "version_db", "table": "usage_data", "row_key": ids_[rows].astype(str),
                                   "defect": label, "detail": detail}))
    defects_df = pd.concat(parts, ignore_index=True)
    vars(g).update(defects_df=defects_df, rows=rows, truth=truth)


def _seat_links(
    g: SimpleNamespace,
    fr: pd.DataFrame,
    pi: np.ndarray,
    resent: np.ndarray,
    lk: Lookups,
) -> PingChunk:
    """customers_db.license_seat_links: paid primary installations with an order, one per regular ping."""
    lineage, rows, usage_data, truth, defects_df = g.lineage, g.rows, g.usage_data, g.truth, g.defects_df
    hostname, uuid, active, lic_users, hist_max = g.hostname, g.uuid, g.active, g.lic_users, g.hist_max
    paid, recorded, kind, day, ids_ = g.paid, g.recorded, g.kind, g.day, g.ids_
    # ---- seat links: paid primary installations with an order, one per regular ping
    lin_safe = np.maximum(lineage, 0)
    sl = paid & ~resent & (kind[pi] == "paid") & (lk.order_id[lin_safe] >= 0)
    rows = np.flatnonzero(sl)
    sl_lin = lin_safe[rows]
    seat_links = {
        "order_id": lk.order_id[sl_lin],
        "zuora_subscription_id": lk.order_sub[sl_lin],
        "zuora_subscription_name": lk.order_sub_name[sl_lin],
        "hostname": hostname[rows],
        "instance_identifier": uuid[rows],
        "report_date": day[rows].astype("datetime64[D]"),
        "active_user_count": active[rows],
        "license_user_count": lic_users[rows],
        "max_historical_user_count": hist_max[rows],
        "created_at": recorded[rows] + np.timedelta64(3600, "s"),
    }
    # instances with pings switched off: their seat links stay, their pings never arrive
    sent = ~fr["pings_off"].to_numpy()[pi]
    if not sent.all():
        usage_data = {k: (v.filter(pa.array(sent)) if isinstance(v, (pa.Array, pa.ChunkedArray)) else np.asarray(v)[sent])
                      for k, v in usage_data.items()}
        truth = truth[sent].reset_index(drop=True)
        defects_df = defects_df[defects_df["row_key"].isin(set(ids_[sent].astype(str)))].reset_index(drop=True)
    return PingChunk(usage_data, truth, seat_links, defects_df)


def _chunk(rng: np.random.Generator, fr: pd.DataFrame, offset: int, pi: np.ndarray, t: np.ndarray, resent: np.ndarray,
           absent_cutoff: int, lk: Lookups, rates: DefectRates, first_id: int) -> PingChunk:
    """The pings of a chunk of installations, their seat links and truth, one step each, in the
    order they draw from `rng` (the same seed must give the same bytes)."""
    g = _chunk_context(fr, pi, t)
    _licenses_in_use(rng, g, fr, pi, t, lk, rates)
    _metrics(rng, g, fr, pi, t, absent_cutoff, lk, rates, first_id)
    _usage_data(g, t, lk)
    _ping_truth(g, pi, t, resent, lk)
    return _seat_links(g, fr, pi, resent, lk)


def installation_type_overrides(inst: Installations) -> pd.DataFrame:
    """reference/installation_types: the staging servers whose hostname the rule of
    data-contract §6 cannot recognise (`gitlab-preview...`), as an analyst would list them."""
    frame = inst.frame
    hidden = (frame["kind"] == "paid_staging") & frame["hostname"].str.startswith("gitlab-preview.") & (frame["n_pings"] > 0)
    rows = frame[hidden]
    return pd.DataFrame({"uuid": rows["uuid"].to_numpy(dtype=object), "hostname": rows["hostname"].to_numpy(dtype=object),
                         "installation_type": "Non-Production"})
