"""What one export run will do, decided before anything is sent.

The real run and the dry run share this plan, so a dry run's counts are the
counts of the run that follows it (when nothing changes in between). Per key:

- `insert`: never at the destination (new, or every earlier send failed);
- `update`: at the destination with other content, or its last attempt failed;
- `clear` / `delete`: left the sync table (an account merged away, a subscription
  ended) and is at the destination: cleared (usage fields NULL) or deleted once,
  as the mapping's `on_removed` says; `ignore` leaves it as it is;
- `unchanged`: the destination has this content;
- `parked`: failed `park_after` runs in a row with this content; not retried
  until its content changes (an asset check lists it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from customer_usage.exports.mapping import ExportMapping
from customer_usage.exports.payload import ExportDataError, check_keys, check_no_pii, frame_columns, row_digests
from customer_usage.exports.state import (
    ATTEMPTS, FAILED, FAILED_HASH, HASH, REMOVAL_HASH, REMOVED, STATUS, KeyState, load_state,
)
from customer_usage.warehouse import Warehouse, quote_ident

SEND_ACTIONS = ("insert", "update")
REMOVE_ACTIONS = ("clear", "delete")


@dataclass
class ExportPlan:
    export: str
    mapping: ExportMapping
    total: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)  # upserts, clears included
    actions: dict[str, str] = field(default_factory=dict)  # key -> insert / update / clear / delete
    hashes: dict[str, str] = field(default_factory=dict)  # key -> hash recorded on success
    deletes: list[str] = field(default_factory=list)  # keys to delete
    settled: dict[str, str] = field(default_factory=dict)  # removed without a call: key -> REMOVAL_HASH
    ignored: int = 0
    unchanged: int = 0
    parked: list[str] = field(default_factory=list)
    retried: int = 0
    missing_columns: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    previous: dict[str, KeyState] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions.values() if a == action)

    def counts(self) -> dict[str, int]:
        """The dry run's summary: what the next run sends, removes and leaves."""
        return {
            "insert": self.count("insert"),
            "update": self.count("update"),
            "clear_or_delete": self.count("clear") + self.count("delete"),
            "leave": self.unchanged + len(self.parked) + self.ignored,
            "parked": len(self.parked),
        }


def _date_columns(warehouse: Warehouse, schema: str, table: str) -> list[str]:
    """DATE columns: DuckDB hands them to pandas as timestamps; they are sent as YYYY-MM-DD."""
    placeholder = "%s" if warehouse.dialect == "snowflake" else "?"
    rows = warehouse.fetch_all(
        "select column_name from information_schema.columns "
        f"where lower(table_schema) = lower({placeholder}) and lower(table_name) = lower({placeholder}) "
        "and upper(data_type) = 'DATE'",
        [schema, table],
    )
    return [str(r[0]) for r in rows]


def _read_columns(warehouse: Warehouse, source: str, dates: list[str]) -> tuple[list[str], list[list[Any]]]:
    """The table's columns and normalised values, read a chunk at a time: a pandas copy of
    the whole sync table beside the values was the export's memory peak."""
    columns: list[str] = []
    values: list[list[Any]] = []
    for frame in warehouse.fetch_frames(f"select * from {source}"):
        names, chunk = frame_columns(frame, date_columns=dates)
        if not columns:
            columns, values = names, chunk
        else:
            for column, more in zip(values, chunk):
                column.extend(more)
    return columns, values


def plan_export(warehouse: Warehouse, mapping: ExportMapping, park_after: int = 5,
                source_schema: str = "exports", source_table: str | None = None,
                export: str | None = None) -> ExportPlan:
    """`export` names the sync state (default: the mapping's export)."""
    table = source_table or mapping.source_model
    export = export or mapping.export
    source = f"{quote_ident(source_schema)}.{quote_ident(table)}"
    if not warehouse.table_exists(source_schema, table):
        raise ExportDataError(f"{source} does not exist: build the dbt model {table} before exporting")
    columns, values = _read_columns(warehouse, source, _date_columns(warehouse, source_schema, table))
    if mapping.key_column not in columns:
        raise ExportDataError(f"{source}: key column {mapping.key_column} is missing")
    check_no_pii(source, columns, values)
    keys = check_keys(source, mapping.key_column, values[columns.index(mapping.key_column)])

    # What leaves is what the mapping names; a mapped column the table lacks is reported, not guessed.
    present = [f for f in mapping.fields if f.column in columns]
    plan = ExportPlan(export=export, mapping=mapping, total=len(keys))
    plan.missing_columns = [f.column for f in mapping.fields if f.column not in columns]
    plan.unmapped_columns = [c for c in columns if c not in set(mapping.columns)]
    fields = [f.field for f in present]
    chosen = [values[columns.index(f.column)] for f in present]
    digests = row_digests(fields, chosen)

    previous = load_state(warehouse, export)
    plan.previous = previous
    for key, row_hash, row in zip(keys, digests, zip(*chosen)):
        before = previous.get(key)
        if before is not None and before[STATUS] != REMOVED:
            if before[STATUS] != FAILED and before[HASH] == row_hash:
                plan.unchanged += 1
                continue
            if before[STATUS] == FAILED:
                if before[ATTEMPTS] >= park_after and before[FAILED_HASH] == row_hash:
                    plan.parked.append(key)
                    continue
                plan.retried += 1
        at_destination = before is not None and before[STATUS] != REMOVED and before[HASH] is not None
        plan.actions[key] = "update" if at_destination else "insert"
        plan.hashes[key] = row_hash
        plan.records.append(dict(zip(fields, row)))

    current = set(keys)
    empty = {f.field: None for f in present if f.column != mapping.key_column}
    for key, before in previous.items():
        if key in current or before[STATUS] == REMOVED:
            continue
        if before[HASH] is None:  # never reached the destination: nothing to undo there
            plan.settled[key] = REMOVAL_HASH
            continue
        if before[STATUS] == FAILED and before[FAILED_HASH] == REMOVAL_HASH and before[ATTEMPTS] >= park_after:
            plan.parked.append(key)
            continue
        if mapping.on_removed == "ignore":
            plan.settled[key] = REMOVAL_HASH
            plan.ignored += 1
            continue
        plan.actions[key] = mapping.on_removed
        plan.hashes[key] = REMOVAL_HASH
        if before[STATUS] == FAILED:
            plan.retried += 1
        if mapping.on_removed == "clear":
            plan.records.append({mapping.key_field: key, **empty})
        else:
            plan.deletes.append(key)
    return plan


def preview(plan: ExportPlan, rows_per_kind: int) -> list[dict[str, Any]]:
    """The first `rows_per_kind` rows of each action: what the destination would receive."""
    shown: dict[str, int] = {}
    lines: list[dict[str, Any]] = []
    by_key = {str(r[plan.mapping.key_field]): r for r in plan.records}
    for key, action in plan.actions.items():
        if shown.get(action, 0) >= rows_per_kind:
            continue
        shown[action] = shown.get(action, 0) + 1
        lines.append({"action": action, "key": key, "record": by_key.get(key)})
    for key in plan.parked[:rows_per_kind]:
        lines.append({"action": "parked", "key": key, "record": None,
                      "error_streak": plan.previous[key][ATTEMPTS]})
    return lines
