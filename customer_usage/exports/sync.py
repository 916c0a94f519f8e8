"""One export run: plan it against the sync state, send, remember, log.

Destination-agnostic: Salesforce, Gainsight and the local outbox all take a list
of records and answer which keys they rejected (with the error); a destination
that can delete (Gainsight) also takes keys to delete. Everything about "send
only what changed, retry what failed, park what keeps failing, clear or delete
what was removed" lives here and in plan.py, once.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from customer_usage.exports.history import record_run
from customer_usage.exports.mapping import ExportMapping, default_mapping
from customer_usage.exports.plan import ExportPlan, plan_export
from customer_usage.exports.state import save_state
from customer_usage.warehouse import Warehouse, quote_ident


class Destination(Protocol):
    name: str

    def send(self, records: list[dict[str, Any]], key_field: str, fields: list[str]) -> dict[str, str]:
        """Upsert the records; return {key: error} for the rejected ones."""
        ...


@dataclass(frozen=True)
class ExportPolicy:
    """Limits of an export run (Settings: CUSTOMER_USAGE_EXPORT_*)."""

    park_after_failures: int = 5
    max_failure_rate: float = 0.2
    history_retention_days: int = 90
    preview_rows: int = 20


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
    inserted: int = 0
    updated: int = 0
    removed: int = 0
    parked: int = 0
    seconds: float = 0.0
    run_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        attempted = self.sent + self.failed
        return self.failed / attempted if attempted else 0.0

    def metadata(self) -> dict[str, Any]:
        """Counts for the asset's metadata; error samples carry keys, never secrets."""
        sample = dict(list(self.errors.items())[:5])
        return {
            "destination": self.destination,
            "sync_run_id": self.run_id,
            "rows_in_sync_table": self.total,
            "attempted": self.sent + self.failed,
            "sent": self.sent,
            "inserted": self.inserted,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "retried": self.retried,
            "parked": self.parked,
            "failure_rate": round(self.failure_rate, 4),
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.sent / self.seconds, 1) if self.seconds > 0 else None,
            "failed_sample": sample,
            "mapped_columns_missing_from_sync_table": self.missing_columns,
        }


def _send(plan: ExportPlan, destination: Destination) -> dict[str, str]:
    mapping = plan.mapping
    fields = [f.field for f in mapping.fields if f.column not in plan.missing_columns]
    # Called even with nothing to send: the outbox then shows an empty batch.
    failures = dict(destination.send(plan.records, mapping.key_field, fields))
    if plan.deletes:
        remove = getattr(destination, "delete", None)
        if remove is None:
            failures.update({k: f"{destination.name} cannot delete records" for k in plan.deletes})
        else:
            failures.update(remove(plan.deletes, mapping.key_field))
    # A destination may only reject keys it was given.
    return {str(k): v for k, v in failures.items() if str(k) in plan.actions}


def run_export(
    warehouse: Warehouse,
    spec: ExportSpec,
    destination: Destination,
    now: dt.datetime | None = None,
    mapping: ExportMapping | None = None,
    policy: ExportPolicy | None = None,
    run_id: str | None = None,
) -> ExportResult:
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    policy = policy or ExportPolicy()
    mapping = mapping or default_mapping(spec.name)
    plan = plan_export(warehouse, mapping, policy.park_after_failures, spec.source_schema, spec.source_table,
                       export=spec.name)
    failures = _send(plan, destination)
    save_state(warehouse, spec.name, plan.previous, {**plan.settled, **plan.hashes}, failures, now)

    ok = {k: a for k, a in plan.actions.items() if k not in failures}
    result = ExportResult(
        export=spec.name,
        destination=destination.name,
        total=plan.total,
        sent=len(ok),
        unchanged=plan.unchanged,
        failed=len(failures),
        retried=plan.retried,
        inserted=sum(1 for a in ok.values() if a == "insert"),
        updated=sum(1 for a in ok.values() if a == "update"),
        removed=sum(1 for a in ok.values() if a in ("clear", "delete")),
        parked=len(plan.parked),
        run_id=run_id or uuid.uuid4().hex,
        errors=failures,
        actions=dict(plan.actions),
        missing_columns=plan.missing_columns,
    )
    payloads = {str(r[mapping.key_field]): r for r in plan.records}
    ended = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    record_run(
        warehouse,
        {"run_id": result.run_id, "export": spec.name, "destination": destination.name, "started_at": now,
         "ended_at": max(ended, now), "rows_in_sync_table": result.total, "inserted": result.inserted,
         "updated": result.updated, "sent": result.sent, "unchanged": result.unchanged, "failed": result.failed,
         "removed": result.removed, "parked": result.parked, "retried": result.retried},
        ((k, a, failures.get(k), payloads.get(k)) for k, a in plan.actions.items()),
        now,
        policy.history_retention_days,
    )
    result.seconds = time.perf_counter() - started
    return result
