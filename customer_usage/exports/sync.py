"""One export run: read the sync table, diff it against the sync state, send, remember.

Destination-agnostic: Salesforce, Gainsight and the local outbox all take a list
of records and answer which keys they rejected (with the error). Everything
about "send only what changed, retry what failed" lives here, once.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from customer_usage.exports.payload import ExportDataError, check_keys, check_no_pii, frame_columns, row_digests
from customer_usage.exports.state import FAILED, HASH, STATUS, load_state, save_state
from customer_usage.warehouse import Warehouse, quote_ident


class Destination(Protocol):
    name: str

    def field_name(self, column: str, key_column: str) -> str: ...

    def send(self, records: list[dict[str, Any]], key_field: str, fields: list[str]) -> dict[str, str]:
        """Upsert the records; return {key: error} for the rejected ones."""
        ...


@dataclass(frozen=True)
class ExportSpec:
    """Which sync table feeds which export, and the column that is the upsert key."""

    name: str
    source_table: str
    key_column: str
    source_schema: str = "exports"

    @property
    def source(self) -> str:
        return f"{quote_ident(self.source_schema)}.{quote_ident(self.source_table)}"


@dataclass
class ExportResult:
    export: str
    destination: str
    total: int = 0
    sent: int = 0
    unchanged: int = 0
    failed: int = 0
    retried: int = 0
    seconds: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """Counts for the asset's metadata; error samples carry keys, never secrets."""
        sample = dict(list(self.errors.items())[:5])
        return {
            "destination": self.destination,
            "rows_in_sync_table": self.total,
            "attempted": self.sent + self.failed,
            "sent": self.sent,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "retried": self.retried,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.sent / self.seconds, 1) if self.seconds > 0 else None,
            "failed_sample": sample,
        }


def _date_columns(warehouse: Warehouse, spec: ExportSpec) -> list[str]:
    """DATE columns: DuckDB hands them to pandas as timestamps; they are sent as YYYY-MM-DD."""
    placeholder = "%s" if warehouse.dialect == "snowflake" else "?"
    rows = warehouse.fetch_all(
        "select column_name from information_schema.columns "
        f"where lower(table_schema) = lower({placeholder}) and lower(table_name) = lower({placeholder}) "
        "and upper(data_type) = 'DATE'",
        [spec.source_schema, spec.source_table],
    )
    return [str(r[0]) for r in rows]


def run_export(
    warehouse: Warehouse,
    spec: ExportSpec,
    destination: Destination,
    now: dt.datetime | None = None,
) -> ExportResult:
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if not warehouse.table_exists(spec.source_schema, spec.source_table):
        raise ExportDataError(
            f"{spec.source} does not exist: build the dbt model {spec.source_table} before exporting"
        )
    frame = warehouse.fetch_df(f"select * from {spec.source}")
    columns, values = frame_columns(frame, date_columns=_date_columns(warehouse, spec))
    del frame
    if spec.key_column not in columns:
        raise ExportDataError(f"{spec.source}: key column {spec.key_column} is missing")
    check_no_pii(spec.source, columns, values)
    keys = check_keys(spec.source, spec.key_column, values[columns.index(spec.key_column)])

    fields = [destination.field_name(c, spec.key_column) for c in columns]
    key_field = destination.field_name(spec.key_column, spec.key_column)
    digests = row_digests(fields, values)

    previous = load_state(warehouse, spec.name)
    to_send: list[dict[str, Any]] = []
    attempted: dict[str, str] = {}
    retried = 0
    for key, row_hash, row in zip(keys, digests, zip(*values)):
        before = previous.get(key)
        if before is not None:
            if before[STATUS] != FAILED and before[HASH] == row_hash:
                continue  # unchanged since its last successful send
            if before[STATUS] == FAILED:
                retried += 1
        to_send.append(dict(zip(fields, row)))
        attempted[key] = row_hash

    # Called even with nothing to send: the outbox then shows an empty batch.
    failures = destination.send(to_send, key_field, fields)
    # A destination may only reject keys it was given.
    failures = {str(k): v for k, v in failures.items() if str(k) in attempted}
    save_state(warehouse, spec.name, previous, attempted, failures, now)
    return ExportResult(
        export=spec.name,
        destination=destination.name,
        total=len(keys),
        sent=len(attempted) - len(failures),
        unchanged=len(keys) - len(attempted),
        failed=len(failures),
        retried=retried,
        seconds=time.perf_counter() - started,
        errors=failures,
    )
