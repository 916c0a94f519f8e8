"""Row counts and column types of the models a dbt step built: two queries per step.

What the UI shows on a dbt model's materialization: `dagster/row_count` (tables and
incremental models; not views, whose count would run their SQL) and
`dagster/column_schema` (each column's warehouse type, with its dbt description).

dagster-dbt's `fetch_row_counts()` and `fetch_column_metadata()` get these through
an in-process dbt adapter: one connection and query per model for the count, one
per model and one per parent for the columns, then sqlglot column lineage over each
model's compiled SQL. At `small` that was ~30 s after every dbt step (plus the
adapter's own start-up before it) against ~90 s of dbt. Here, once dbt has finished:
one statement counts every built table (`count(*)` per table, UNION ALL), one reads
`information_schema.columns` of the step's schemas; both run on the platform's own
warehouse connection (DuckDB or Snowflake), so no dbt adapter is opened in process.

Column lineage is not attached: its cost is a sqlglot parse and qualification of
every model's SQL per step. The asset graph keeps table-level lineage, and the
export assets, where column provenance matters to the people reading the
destination, declare their column lineage themselves (customer_usage/exports/trust.py).

Events are held until dbt ends: DuckDB cannot be read while dbt's process writes the
file, and one batch keeps Snowflake at two queries too. They are yielded in dbt's
order; if dbt failed, the models it did build are still reported before the error.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Iterable, Iterator, Mapping

import dagster as dg

from customer_usage.warehouse import Warehouse, quote_ident

logger = dg.get_dagster_logger()

# the log line of each step's read (the pipeline benchmark sums it)
READ_LINE = "dbt model metadata: {models} models read in {seconds:.2f} s"
READ_PATTERN = re.compile(r"dbt model metadata: (\d+) models read in ([\d.]+) s")
# materializations with rows worth counting (a view's count would run its query)
COUNTED = ("table", "incremental", "snapshot", "seed")


@dataclass(frozen=True)
class Relation:
    unique_id: str
    relation_name: str  # as dbt quotes it, e.g. "warehouse"."marts"."dim_date"
    schema: str
    name: str
    materialized: str
    descriptions: Mapping[str, str]


def _unique_id(event) -> str | None:
    value = (getattr(event, "metadata", None) or {}).get("unique_id")
    return getattr(value, "text", value)


def _is_model_event(event) -> bool:
    return isinstance(event, (dg.Output, dg.AssetMaterialization, dg.MaterializeResult))


def relations_of(events: Iterable, manifest: Mapping[str, Any]) -> dict[str, Relation]:
    """The models (and seeds/snapshots) whose materializations are among `events`."""
    nodes = manifest.get("nodes", {})
    relations = {}
    for event in events:
        uid = _unique_id(event) if _is_model_event(event) else None
        node = nodes.get(uid) if uid else None
        if not node or not node.get("relation_name"):
            continue
        relations[uid] = Relation(
            unique_id=uid,
            relation_name=node["relation_name"],
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            materialized=node.get("config", {}).get("materialized", ""),
            descriptions={c.lower(): (v or {}).get("description") or "" for c, v in node.get("columns", {}).items()},
        )
    return relations


def _literal(identifier: str) -> str:
    return "'" + quote_ident(identifier).lower() + "'"


def count_rows(warehouse: Warehouse, relations: Iterable[Relation]) -> dict[str, int]:
    """{unique_id: rows} of the counted relations, in one statement.

    One unreadable relation (dropped meanwhile, say) makes the statement fail; then
    each is counted alone, so the others keep their counts.
    """
    counted = [r for r in relations if r.materialized in COUNTED]
    if not counted:
        return {}
    parts = [f"select {i} as k, count(*) as n from {r.relation_name}" for i, r in enumerate(counted)]
    try:
        rows = warehouse.fetch_all("\nunion all\n".join(parts))
        return {counted[int(k)].unique_id: int(n) for k, n in rows}
    except Exception as exc:  # noqa: BLE001
        logger.warning(f"counting the rows of {len(counted)} models in one statement failed ({exc}); counting each")
    counts = {}
    for relation, sql in zip(counted, parts):
        try:
            counts[relation.unique_id] = int(warehouse.fetch_all(sql)[0][1])
        except Exception as exc:  # noqa: BLE001
            logger.warning(f"could not count the rows of {relation.relation_name}: {exc}")
    return counts


def read_columns(warehouse: Warehouse, relations: Iterable[Relation]) -> dict[str, list[tuple[str, str]]]:
    """{unique_id: [(column, type), ...] in table order}, from one information_schema query."""
    wanted = {(r.schema.lower(), r.name.lower()): r.unique_id for r in relations}
    if not wanted:
        return {}
    schemas = ", ".join(sorted({_literal(schema) for schema, _ in wanted}))
    rows = warehouse.fetch_all(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where lower(table_schema) in ({schemas}) order by table_schema, table_name, ordinal_position"
    )
    columns: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        uid = wanted.get((str(schema).lower(), str(table).lower()))
        if uid:
            columns.setdefault(uid, []).append((str(column), str(data_type)))
    return columns


def _schema(relation: Relation, columns: list[tuple[str, str]]) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(
            # Snowflake answers in upper case; the model's SQL and docs spell columns in lower case
            name=name.lower() if name.isupper() else name,
            type=data_type.lower(),
            description=relation.descriptions.get(name.lower()) or None,
        )
        for name, data_type in columns
    ])


def table_metadata(warehouse: Warehouse, relations: Mapping[str, Relation]) -> dict[str, dict[str, Any]]:
    """{unique_id: materialization metadata} of `relations`: row count and column schema."""
    counts = count_rows(warehouse, relations.values())
    columns = read_columns(warehouse, relations.values())
    out: dict[str, dict[str, Any]] = {}
    for uid, relation in relations.items():
        meta = {}
        if uid in counts:
            meta["dagster/row_count"] = dg.MetadataValue.int(counts[uid])
        if columns.get(uid):
            meta["dagster/column_schema"] = dg.MetadataValue.table_schema(_schema(relation, columns[uid]))
        out[uid] = meta
    return out


def add_metadata(event, extra: Mapping[str, Any]):
    """The event (Output, AssetMaterialization or MaterializeResult) with `extra` metadata added."""
    if not extra:
        return event
    if isinstance(event, (dg.Output, dg.AssetMaterialization)):
        return event.with_metadata({**event.metadata, **extra})
    return dg.MaterializeResult(
        asset_key=event.asset_key, metadata={**(event.metadata or {}), **extra},
        check_results=event.check_results, data_version=event.data_version, tags=event.tags,
    )


def with_table_metadata(
    events: Iterable,
    manifest: Mapping[str, Any],
    connect: Callable[[], ContextManager[Warehouse]],
    before_read: Callable[[], None] | None = None,
) -> Iterator:
    """Yield `events` once dbt has ended, each model's with its row count and column schema.

    `connect()` opens the warehouse (`WarehouseResource.connect`); `before_read()` runs
    first (releasing an in-process DuckDB handle). Reading is a convenience: a failure
    is logged and the events go out without it, never failing the dbt step.
    """
    held, error = [], None
    try:
        for event in events:
            held.append(event)
    except Exception as exc:  # noqa: BLE001 (re-raised below, after the built models are reported)
        error = exc
    metadata: dict[str, dict[str, Any]] = {}
    relations = relations_of(held, manifest)
    if relations:
        started = time.perf_counter()
        try:
            if before_read is not None:
                before_read()
            with connect() as warehouse:
                metadata = table_metadata(warehouse, relations)
            logger.info(READ_LINE.format(models=len(relations), seconds=time.perf_counter() - started))
        except Exception as exc:  # noqa: BLE001
            logger.warning(f"row counts and column schemas of {len(relations)} dbt models could not be read: {exc}")
    for event in held:
        uid = _unique_id(event) if _is_model_event(event) else None
        yield add_metadata(event, metadata.get(uid, {})) if uid else event
    if error is not None:
        raise error
