"""Sync state in the warehouse (schema `export_state`), one table per export.

A row is (re)sent when its content hash differs from the hash of its last
*successful* send, or when its last attempt failed, unless it is parked: it
failed `park_after` runs in a row with the same content (`failed_hash`), and
waits for its content to change. A key that left the sync table ends as
`removed` once its removal (clear/delete/ignore) went through. Keeping this next to the
data (not in Dagster's run storage) lets the same rule hold on DuckDB and
Snowflake and lets anyone query what was sent, when, and why a row failed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from customer_usage.warehouse import Warehouse, quote_ident

STATE_SCHEMA = "export_state"
STATE_COLUMNS = ("sync_key", "content_hash", "status", "error", "attempts", "last_sent_at", "last_attempt_at",
                 "failed_hash")
SENT = "sent"
FAILED = "failed"
REMOVED = "removed"
REMOVAL_HASH = "removed"  # the "content" of a removal, for parking a removal that keeps failing


# Per key: (hash of the last successful send or None, status, consecutive failed
# attempts, hash of the content that failed). Plain tuples: this dict holds one
# entry per exported row, and building them is the bulk of a no-change run's time.
KeyState = tuple
HASH, STATUS, ATTEMPTS, FAILED_HASH = 0, 1, 2, 3


def _table(export: str) -> str:
    return f"{STATE_SCHEMA}.{quote_ident(export)}"


def ensure_state_table(warehouse: Warehouse, export: str) -> None:
    warehouse.ensure_schema(STATE_SCHEMA)
    warehouse.execute(
        f"create table if not exists {_table(export)} ("
        "sync_key varchar, content_hash varchar, status varchar, error varchar, "
        "attempts integer, last_sent_at timestamp, last_attempt_at timestamp, failed_hash varchar)"
    )
    # State tables from before parking existed gain the column.
    warehouse.execute(f"alter table {_table(export)} add column if not exists failed_hash varchar")


def load_state(warehouse: Warehouse, export: str) -> dict[str, KeyState]:
    if not warehouse.table_exists(STATE_SCHEMA, export):
        return {}
    # Read-only (a dry run reads state too): a table from before parking has no failed_hash yet.
    placeholder = "%s" if warehouse.dialect == "snowflake" else "?"
    has_failed_hash = warehouse.fetch_all(
        "select count(*) from information_schema.columns where lower(table_schema) = lower("
        f"{placeholder}) and lower(table_name) = lower({placeholder}) and lower(column_name) = 'failed_hash'",
        [STATE_SCHEMA, export],
    )[0][0]
    failed_hash = "failed_hash" if has_failed_hash else "cast(null as varchar)"
    rows = warehouse.fetch_all(
        f"select sync_key, content_hash, status, attempts, {failed_hash} from {_table(export)}"
    )
    return {str(key): (content_hash, status, attempts or 0, failed_hash)
            for key, content_hash, status, attempts, failed_hash in rows}


def save_state(
    warehouse: Warehouse,
    export: str,
    previous: dict[str, KeyState],
    attempted: dict[str, str],
    failures: dict[str, str],
    now: dt.datetime,
) -> int:
    """Record the outcome of one run's attempts; returns the rows written.

    `attempted` maps key -> the hash that was sent (`REMOVAL_HASH` for a
    removal). Success stores that hash (a removal: status `removed`, no hash);
    failure keeps the previous successful hash (so the row is retried), the
    error, the failing content's hash and the count of failures in a row with
    that same content (what parking compares with its limit). Written as delete + insert of the attempted keys through a staging
    table: plain SQL that behaves the same on DuckDB and Snowflake.
    """
    if not attempted:
        ensure_state_table(warehouse, export)
        return 0
    rows = []
    for key, sent_hash in attempted.items():
        before = previous.get(key)
        error = failures.get(key)
        if error is None:
            if sent_hash == REMOVAL_HASH:
                rows.append((key, None, REMOVED, None, 0, now, now, None))
            else:
                rows.append((key, sent_hash, SENT, None, 0, now, now, None))
        else:
            streak = before is not None and before[STATUS] == FAILED and before[FAILED_HASH] == sent_hash
            rows.append(
                (key, before[HASH] if before else None, FAILED, error[:2000],
                 (before[ATTEMPTS] if streak else 0) + 1, None, now, sent_hash)
            )
    frame = pd.DataFrame(rows, columns=list(STATE_COLUMNS))
    frame["sync_key"] = frame["sync_key"].astype(str)
    for column in ("content_hash", "status", "error", "failed_hash"):
        frame[column] = frame[column].astype(object)
    frame["attempts"] = frame["attempts"].astype("int64")
    frame["last_sent_at"] = pd.to_datetime(frame["last_sent_at"])
    frame["last_attempt_at"] = pd.to_datetime(frame["last_attempt_at"])
    # Keep the previous last_sent_at of a failed retry: coalesce with the old row below.
    ensure_state_table(warehouse, export)
    staging = f"{quote_ident(export)}__pending"
    warehouse.write_df(frame, STATE_SCHEMA, staging)
    target, pending = _table(export), f"{STATE_SCHEMA}.{staging}"
    cols = ", ".join(STATE_COLUMNS)
    try:
        warehouse.execute(
            f"create or replace table {pending}_merged as "
            f"select p.sync_key, cast(p.content_hash as varchar) as content_hash, p.status, "
            f"cast(p.error as varchar) as error, cast(p.attempts as integer) as attempts, "
            f"coalesce(cast(p.last_sent_at as timestamp), t.last_sent_at) as last_sent_at, "
            f"cast(p.last_attempt_at as timestamp) as last_attempt_at, "
            f"cast(p.failed_hash as varchar) as failed_hash "
            f"from {pending} p left join {target} t on t.sync_key = p.sync_key"
        )
        warehouse.execute(f"delete from {target} where sync_key in (select sync_key from {pending})")
        warehouse.execute(f"insert into {target} ({cols}) select {cols} from {pending}_merged")
    finally:
        warehouse.execute(f"drop table if exists {pending}_merged")
        warehouse.execute(f"drop table if exists {pending}")
    return len(frame)
