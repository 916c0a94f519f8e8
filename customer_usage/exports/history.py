"""Sync history: what each export run sent, and what failed, kept for a retention period.

`export_state.sync_runs`: one row per export run (run id, export, destination,
started/ended, counts). `export_state.sync_row_log`: one row per key sent or
failed in a run, with the action, the error and the payload as sent (company
level numbers only: the payload passed the personal-data guard). The state
tables say where each key stands now; these say how it got there, so an
analyst can answer "what did we send to this account on 3 March, and did it
fail?" (queries in docs/exports.md). Plain SQL that runs on DuckDB and Snowflake.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any, Iterable

import pandas as pd

from customer_usage.warehouse import Warehouse

SCHEMA = "export_state"
RUNS = f"{SCHEMA}.sync_runs"
ROW_LOG = f"{SCHEMA}.sync_row_log"
APPEND_ROWS = 20_000
RUN_COLUMNS = {
    "run_id": "varchar", "export": "varchar", "destination": "varchar", "started_at": "timestamp",
    "ended_at": "timestamp", "rows_in_sync_table": "integer", "inserted": "integer", "updated": "integer",
    "sent": "integer", "unchanged": "integer", "failed": "integer", "removed": "integer", "parked": "integer",
    "retried": "integer",
}
ROW_COLUMNS = {
    "run_id": "varchar", "export": "varchar", "destination": "varchar", "sync_key": "varchar",
    "action": "varchar", "status": "varchar", "error": "varchar", "payload": "varchar", "logged_at": "timestamp",
}


def _create(warehouse: Warehouse, table: str, columns: dict[str, str]) -> None:
    warehouse.ensure_schema(SCHEMA)
    # DuckDB: payloads (JSON text) ZSTD-compressed; its automatic choice analyses every long
    # text at each checkpoint, the slowest part of logging a first export of a large table.
    zstd = " using compression zstd" if warehouse.dialect == "duckdb" else ""
    body = ", ".join(f"{name} {kind}{zstd if name == 'payload' else ''}" for name, kind in columns.items())
    warehouse.execute(f"create table if not exists {table} ({body})")


def _append(warehouse: Warehouse, table: str, columns: dict[str, str], rows: Iterable[tuple]) -> None:
    """Append through a staging table (write_df replaces), casting to the declared types,
    `APPEND_ROWS` rows at a time: a first export of a large sync table logs every key with
    its payload, and one frame of them all was the run's memory peak (2 GB at `medium`)."""
    _create(warehouse, table, columns)
    staging = table.split(".")[1] + "__pending"
    select = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in columns.items())
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, APPEND_ROWS)):
        frame = pd.DataFrame(chunk, columns=list(columns)).astype(object)
        del chunk
        warehouse.write_df(frame, SCHEMA, staging)
        del frame
        try:
            warehouse.execute(f"insert into {table} ({', '.join(columns)}) select {select} from {SCHEMA}.{staging}")
        finally:
            warehouse.execute(f"drop table if exists {SCHEMA}.{staging}")


def record_run(
    warehouse: Warehouse,
    run: dict[str, Any],
    rows: Iterable[tuple[str, str, str | None, dict | None]],
    now: dt.datetime,
    retention_days: int,
) -> None:
    """Append one run and its per-key log (key, action, error, payload); drop what is past retention."""
    _append(warehouse, RUNS, RUN_COLUMNS, [tuple(run.get(c) for c in RUN_COLUMNS)])
    _append(warehouse, ROW_LOG, ROW_COLUMNS, (
        (run["run_id"], run["export"], run["destination"], key, action, "failed" if error else "sent",
         error[:2000] if error else None, json.dumps(payload, separators=(",", ":")) if payload else None, now)
        for key, action, error, payload in rows
    ))
    cutoff = (now - dt.timedelta(days=retention_days)).isoformat(sep=" ", timespec="seconds")
    warehouse.execute(f"delete from {ROW_LOG} where logged_at < cast('{cutoff}' as timestamp)")
    warehouse.execute(f"delete from {RUNS} where started_at < cast('{cutoff}' as timestamp)")
