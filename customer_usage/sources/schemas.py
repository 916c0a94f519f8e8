"""pandera schemas built from contract.yml: one `DataFrameSchema` per source table.

The schema *is* the contract in executable form: types, nullability, accepted
values, minimums, primary-key uniqueness and JSON objects. It runs through
pandera's ibis backend, so validation happens in the warehouse (DuckDB or
Snowflake) instead of pulling tables into pandas; `pandas_schema` builds the
same rules for pandas, used by the benchmark to compare the two.

Two gaps in pandera's ibis backend are covered here: `unique=True` is ignored
(a table-level check compares distinct keys with the row count), and the
warehouses differ in physical types (Snowflake reports `NUMBER(38,0)` and
`TIMESTAMP_NTZ(9)` where DuckDB reports `BIGINT` and `TIMESTAMP(6)`), so integer
and timestamp columns accept any representation of a whole number or a naive
timestamp.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pandera.ibis as pa
from pandera.dtypes import immutable
from pandera.engines import ibis_engine

from customer_usage.sources.contract import ColumnSpec, TableSpec

PK_UNIQUE_CHECK = "primary_key_unique"


@immutable
class NaiveTimestamp(ibis_engine.DateTime):
    """A timestamp without time zone, at any precision (UTC by the contract)."""

    def check(self, pandera_dtype, data_container=None) -> bool:
        try:
            native = ibis_engine.Engine.dtype(pandera_dtype).type
        except TypeError:
            return False
        return native.is_timestamp() and native.timezone is None

    def __str__(self) -> str:
        return "timestamp"


@immutable
class WholeNumber(ibis_engine.Int64):
    """A 64-bit integer, or a decimal with scale 0 (how Snowflake stores integers)."""

    def check(self, pandera_dtype, data_container=None) -> bool:
        try:
            native = ibis_engine.Engine.dtype(pandera_dtype).type
        except TypeError:
            return False
        return native.is_integer() or (native.is_decimal() and (native.scale or 0) == 0)

    def __str__(self) -> str:
        return "integer"


def _ibis_dtype(column: ColumnSpec):
    return {
        "string": dt.string,
        "integer": WholeNumber(),
        "float": dt.float64,
        "boolean": dt.boolean,
        "date": dt.date,
        "timestamp": NaiveTimestamp(),
        "json": dt.string,
    }[column.type]


def _json_object(data) -> ibis.ir.BooleanColumn:
    """Starts with `{` and parses as JSON, i.e. a JSON object.

    Not trimmed first: trimming kilobytes per row costs more than the parse, and
    the loader stores objects starting with `{`. On DuckDB ibis compiles the parse
    to `TRY_CAST(.. AS JSON)`; on Snowflake to a cast to VARIANT that never fails,
    so there only the shape is checked (the loader's `json_valid` rule covers
    files loaded by this platform).
    """
    col = data.table[data.key]
    return col.startswith("{") & col.try_cast("json").notnull()


def _column_checks(column: ColumnSpec) -> list[pa.Check]:
    checks = []
    if column.accepted is not None:
        checks.append(pa.Check.isin(list(column.accepted)))
    if column.min is not None:
        checks.append(pa.Check.ge(column.min))
    if column.json_object:
        checks.append(pa.Check(_json_object, name="json_object", error="is a JSON object"))
    return checks


def _unique_key(key: tuple[str, ...]):
    def check(data) -> ibis.ir.BooleanScalar:
        table = data.table
        distinct = table.select(*key).distinct().count() if len(key) > 1 else table[key[0]].nunique()
        return distinct == table.count()

    return check


def contract_schema(spec: TableSpec, has_rows: bool = True) -> pa.DataFrameSchema:
    """The ibis schema of `spec`; extra columns are allowed (the contract keeps them).

    `has_rows=False` gives the schema of an empty table: columns and types only.
    pandera's ibis backend reports `not_nullable (1)` on a table with no rows at
    all, which would block everything downstream of a legal, empty optional table.
    """
    columns = {
        c.name: pa.Column(_ibis_dtype(c), nullable=not c.required or not has_rows,
                          checks=_column_checks(c) if has_rows else [])
        for c in spec.columns
    }
    checks = []
    if spec.primary_key and has_rows:
        checks.append(
            pa.Check(
                _unique_key(spec.primary_key),
                name=PK_UNIQUE_CHECK,
                error=f"primary key ({', '.join(spec.primary_key)}) is unique",
            )
        )
    return pa.DataFrameSchema(columns, checks=checks, strict=False, name=f"{spec.system}.{spec.table}")


def pandas_schema(spec: TableSpec):
    """The same rules for pandas (benchmark baseline: validating after pulling the table)."""
    import json

    import pandera.pandas as ppa

    def is_object(value) -> bool:
        try:
            return isinstance(json.loads(value), dict)
        except (TypeError, ValueError):
            return False

    dtypes = {"string": object, "integer": "Int64", "float": "float64", "boolean": "boolean",
              "date": "datetime64[ns]", "timestamp": "datetime64[ns]", "json": object}
    columns = {}
    for c in spec.columns:
        checks = []
        if c.accepted is not None:
            checks.append(ppa.Check.isin(list(c.accepted)))
        if c.min is not None:
            checks.append(ppa.Check.ge(c.min))
        if c.json_object:
            checks.append(ppa.Check(is_object, element_wise=True, name="json_object"))
        columns[c.name] = ppa.Column(dtypes[c.type], nullable=not c.required, checks=checks,
                                     unique=spec.primary_key == (c.name,),
                                     coerce=c.type not in ("string", "json"))
    return ppa.DataFrameSchema(columns, strict=False, name=f"{spec.system}.{spec.table}")
