"""A few landing rows the loader must reject, so the demo shows the quarantine at work.

Each is an EXTRA row (a copy of a real one with a new key, or an older copy of a
real row), so the simulated business and its ground truth are unchanged: the
pipeline's output is right exactly when every one of these rows lands in
`quarantine.<system>__<table>` with the reason below and nothing else changes.
`generate(..., rejectable_rows=True)` adds them (the demo of `customer-usage run`
does); the ground truth lists them in `rejectable_rows.parquet`.
"""

from __future__ import annotations

import math

import pandas as pd

# table -> (what is wrong, a fragment of the expected _rejection_reason)
KINDS = {
    "zuora/rate_plan_charge": ("mrr is Infinity", "mrr: 'inf' is not a finite number"),
    "sfdc/account": ("16-character Salesforce id", "id: Salesforce id"),
    "zuora/subscription": ("status outside the accepted values", "status: 'Suspended' is not one of"),
    "gitlab_dotcom/gitlab_subscriptions": ("negative seats", "seats: -5 is below the minimum 0"),
    "gitlab_dotcom/namespaces": ("older duplicate of a namespace", "duplicate primary key id="),
}


def _bad(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    row = frame.iloc[[len(frame) // 2]].copy()
    if key == "zuora/rate_plan_charge":
        row["id"] = "bad" + row["id"].str[3:]
        row["mrr"] = math.inf
    elif key == "sfdc/account":
        row["id"] = row["id"].str[:16]
        row["master_record_id"] = None
    elif key == "zuora/subscription":
        row["id"] = "bad" + row["id"].str[3:]
        row["status"] = "Suspended"
    elif key == "gitlab_dotcom/gitlab_subscriptions":
        row["id"] = int(frame["id"].max()) + 1
        row["seats"] = -5
    elif key == "gitlab_dotcom/namespaces":
        row["updated_at"] = row["updated_at"] - pd.Timedelta(days=1)
    return row


def with_rejectable_row(key: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict | None]:
    """`frame` plus its one rejectable row (unchanged when `key` has none); the row's record."""
    if key not in KINDS or frame.empty:
        return frame, None
    bad = _bad(frame, key)
    what, reason = KINDS[key]
    record = {"table": key, "key": str(bad["id"].iloc[0]), "defect": what, "reason_contains": reason}
    return pd.concat([frame, bad], ignore_index=True), record
