"""GitLab.com namespace-level usage (`namespace_ping_metrics`): one value per
ultimate-parent namespace, Service Ping key path and ping date, while the
namespace is paid or on a trial, and for every third free group from its
creation on (free usage, data-contract §6: the free-user mart). Usually one ping date a month, sometimes two
(the mart takes the latest in the month).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import numpy as np
import pandas as pd

from customer_usage_sim.config import NAMESPACE_METRICS
from customer_usage_sim.pings import _group_cumsum

_EPOCH = np.datetime64("1970-01-01", "D")




def metric_chunks(seed: int, tops: pd.DataFrame, as_of: dt.date, chunk_namespaces: int = 2000) -> Iterator[dict]:
    free_with_usage = (tops["kind"] == "free") & (tops["top"] % 3 == 0)
    sel = tops[((tops["kind"] == "paid") | (tops["kind"] == "trial") | free_with_usage)].reset_index(drop=True)
    last = np.datetime64(as_of, "D") - np.timedelta64(1, "D")
    start = np.where(sel["kind"] == "trial", sel["trial_start"].to_numpy(dtype="datetime64[D]"), sel["start"].to_numpy(dtype="datetime64[D]"))
    cancel = sel["cancel"].to_numpy(dtype="datetime64[D]")
    end = np.where(np.isnat(cancel), last, cancel - np.timedelta64(1, "D"))
    users_base = np.maximum(np.where(sel["kind"] == "trial", 5, np.where(sel["kind"] == "free", 3,
                                     np.maximum(sel["seats_in_use"], sel["seats"] * 0.7))), 1)
    for c, lo in enumerate(range(0, len(sel), chunk_namespaces)):
        hi = min(lo + chunk_namespaces, len(sel))
        rng = np.random.default_rng([seed, 11, c])
        s, e = start[lo:hi], end[lo:hi]
        m0 = s.astype("datetime64[M]")
        m1 = e.astype("datetime64[M]")
        months = np.maximum((m1 - m0).astype(int) + 1, 0)
        ns = np.repeat(np.arange(hi - lo), months)
        k = np.arange(len(ns)) - np.repeat(np.cumsum(months) - months, months)
        mstart = (m0[ns] + k).astype("datetime64[D]")
        date = mstart + rng.integers(0, 28, len(ns)).astype("timedelta64[D]")
        date = np.minimum(np.maximum(date, s[ns]), e[ns])
        extra = rng.random(len(ns)) < 0.3
        e_date = date[extra] - np.timedelta64(7, "D")
        ok = (e_date >= mstart[extra]) & (e_date >= s[ns][extra])
        ns = np.concatenate([ns, ns[extra][ok]])
        date = np.concatenate([date, e_date[ok]])
        order = np.lexsort((date, ns))
        ns, date = ns[order], date[order]
        keep = np.r_[True, (ns[1:] != ns[:-1]) | (date[1:] != date[:-1])] if len(ns) else np.array([], bool)
        ns, date = ns[keep], date[keep]
        n = len(ns)
        users = users_base[lo:hi][ns] * rng.uniform(0.8, 1.05, n)
        umau = np.round(users * rng.uniform(0.4, 0.9, hi - lo)[ns])
        gaps = np.diff(date.astype(np.int64), prepend=date[:1].astype(np.int64)).astype(float)
        starts = np.r_[True, ns[1:] != ns[:-1]] if n else np.array([], bool)
        values = []
        for path, kind in NAMESPACE_METRICS:
            if path == "usage_activity_by_stage_monthly.manage.events":
                v = umau
            elif kind == "user28":
                v = np.minimum(umau, np.round(umau * rng.uniform(0.05, 0.9, hi - lo)[ns]))
            elif kind == "event28":
                v = rng.poisson(rng.uniform(0, 10, hi - lo)[ns]).astype(float)
            else:
                rate = rng.lognormal(np.log(2 if kind == "users_all" else 20), 1.0, hi - lo)[ns] * users_base[lo:hi][ns] / 10
                inc = np.where(starts, rate * rng.uniform(10, 300, n), rate * gaps * rng.uniform(0.5, 1.5, n))
                v = np.floor(_group_cumsum(inc, ns))
            values.append(v.astype(float))
        n_m = len(NAMESPACE_METRICS)
        yield {
            "namespace_id": np.repeat(sel["namespace_id"].to_numpy(np.int64)[lo:hi][ns], n_m),
            "metric_path": np.tile(np.array([p for p, _ in NAMESPACE_METRICS], dtype=object), n),
            "counter_value": np.column_stack(values).reshape(-1) if n else np.array([], dtype=float),
            "ping_date": np.repeat(date, n_m),
        }
