"""Synthetic sync tables (the shape of the dbt models' output), written straight to DuckDB.

The export tests and the benchmark do not depend on the mart being built: they
create `exports.sync_*` with the documented columns and edit rows between runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

WAVE2 = [
    "umau_28_days_user", "merge_requests_28_days_user", "ci_pipelines_28_days_user",
    "ci_builds_28_days_user", "deployments_28_days_user", "issues_28_days_user",
    "commit_comment_all_time_event", "source_code_pushes_all_time_event",
    "projects_with_packages_all_time_event", "epics_28_days_user",
]


def sfdc_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seats = rng.integers(5, 2000, n)
    billable = (seats * rng.uniform(0.2, 1.1, n)).astype(int)
    frame = pd.DataFrame({
        "dim_crm_account_id": [f"0016g00000{i:08d}" for i in range(n)],
        "snapshot_month": [dt.date(2026, 10, 1)] * n,
        "subscription_count": rng.integers(1, 4, n),
        "licensed_seats": seats,
        "billable_user_count": billable,
        "active_user_count": pd.array(np.where(rng.random(n) < 0.2, None, billable), dtype="Int64"),
        "license_utilization": billable / seats,
        "deployment_types": rng.choice(["GitLab.com", "Self-Managed", "GitLab.com;Self-Managed"], n),
        "installation_count": rng.integers(0, 5, n),
        "namespace_count": rng.integers(0, 3, n),
        "last_ping_date": [dt.date(2026, 10, 28)] * n,
        "umau_28_days_user": rng.integers(0, 1000, n),
        "ci_pipelines_28_days_user": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 500, n)), dtype="Int64"),
    })
    return frame


def gainsight_frame(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2024-01-01", periods=24, freq="MS").date
    frame = pd.DataFrame({
        "primary_key": [f"{i:032x}" for i in range(n)],
        "snapshot_month": [months[i % len(months)] for i in range(n)],
        "dim_subscription_id": [f"8a8a{i // 24:028x}" for i in range(n)],
        "subscription_name": [f"A-S{i // 24:08d}" for i in range(n)],
        "deployment_type": rng.choice(["Self-Managed", "GitLab.com"], n),
        "uuid": [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(n)],
        "hostname": [f"gitlab{i}.corp.example" for i in range(n)],
        "dim_crm_account_id": [f"0016g00000{i % 997:08d}" for i in range(n)],
        "ping_created_at": pd.Timestamp("2026-10-28 10:00:00") - pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
        "license_user_count": rng.integers(5, 2000, n),
        "license_user_count_source": "zuora",
        "billable_user_count": rng.integers(0, 2000, n),
        "license_utilization": rng.uniform(0, 1.2, n),
        "is_data_in_subscription_month": rng.random(n) < 0.9,
        "is_latest_data": rng.random(n) < 0.1,
    })
    for column in WAVE2:
        frame[column] = pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 10**5, n)), dtype="Int64")
    return frame


def write_sync_table(duckdb_path: Path, table: str, frame: pd.DataFrame) -> None:
    with duckdb.connect(str(duckdb_path)) as con:
        con.execute("create schema if not exists exports")
        con.register("frame", frame)
        con.execute(f"create or replace table exports.{table} as select * from frame")


def run_sql(duckdb_path: Path, sql: str) -> None:
    with duckdb.connect(str(duckdb_path)) as con:
        con.execute(sql)
