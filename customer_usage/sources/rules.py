"""The contract's row-level rules as DuckDB SQL: typed values plus a `_rejection_reason`.

Every landing file is read by DuckDB (locally into the warehouse itself, for a
Snowflake load into an in-memory DuckDB), so the rules are written once, in
DuckDB's dialect, and computed for all rows in one statement instead of row by
row in Python. A row with any reason goes to quarantine; the reason names the
column and shows (the start of) the offending value.

Choices the contract leaves open, decided here:
- duplicate primary key: the row with the latest `updated_at`/`updated_date`
  is kept (ties and tables without such a column: the first occurrence in the
  file); the other copies are quarantined. Rows broken for another reason do
  not compete for the key.
- an integer written as `12.0` is accepted; `12.5` is not an integer.
- timestamps with an offset are converted to UTC; without one they are UTC.
- a float that is NaN, ±Infinity or beyond the double range (`1e400` reads as
  Infinity) is rejected: no arithmetic downstream (ARR, coverage) can use it.
- a column with `format: sfdc_id` must be a well-formed Salesforce id
  (`sfdc_ids.problem_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_usage.sfdc_ids import problem_sql
from customer_usage.sources.contract import ColumnSpec, TableSpec
from customer_usage.sources.landing import SourceFileError

SQL_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "json": "VARCHAR",
}
UPDATED_COLUMNS = ("updated_at", "updated_date")
VALUE_PREVIEW = 40

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}


def q(name: str) -> str:
    """Quote an identifier that came from a file header (any characters allowed)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


@dataclass(frozen=True)
class SourceColumn:
    """A column as found in the file: its header name and DuckDB type."""

    name: str
    type: str

    @property
    def base_type(self) -> str:
        return self.type.split("(")[0].upper()


def _family(col: SourceColumn) -> str:
    base = col.base_type
    if base == "VARCHAR":
        return "text"
    if base in _INTEGER_TYPES:
        return "integer"
    if base in _FLOAT_TYPES or base == "DECIMAL":
        return "fractional"
    if base in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return "timestamptz"
    if base.startswith("TIMESTAMP"):
        return "timestamp"
    if base in ("STRUCT", "MAP", "JSON") or col.type.endswith("[]"):
        return "nested"
    return base.lower()


def typed_expression(column: ColumnSpec, source: SourceColumn, path) -> str:
    """SQL giving the contract type from the file's value, NULL where it does not convert."""
    s = q(source.name)
    family = _family(source)
    if family in ("null", '"null"'):
        return f"CAST(NULL AS {SQL_TYPES[column.type]})"
    if family == "text":
        if column.type == "string":
            return s
        if column.type == "json":
            # Trimming kilobytes of JSON per row is costly: only values not starting with "{" are.
            return f"CASE WHEN starts_with({s}, '{{') THEN {s} ELSE NULLIF(TRIM({s}), '') END"
        v = f"NULLIF(TRIM({s}), '')"
        return {
            "integer": f"CASE WHEN regexp_full_match({v}, '[+-]?[0-9]+(\\.0*)?') THEN TRY_CAST({v} AS BIGINT) END",
            "float": f"TRY_CAST({v} AS DOUBLE)",
            "boolean": f"TRY_CAST({v} AS BOOLEAN)",
            "date": f"TRY_CAST({v} AS DATE)",
            "timestamp": f"timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ))",
        }[column.type]
    allowed = {
        "string": {"integer": f"CAST({s} AS VARCHAR)", "fractional": f"CAST({s} AS VARCHAR)"},
        "integer": {
            "integer": f"TRY_CAST({s} AS BIGINT)",
            "fractional": f"CASE WHEN {s} = floor({s}) THEN TRY_CAST({s} AS BIGINT) END",
        },
        "float": {"integer": f"CAST({s} AS DOUBLE)", "fractional": f"CAST({s} AS DOUBLE)"},
        "boolean": {"boolean": s},
        "date": {"date": s, "timestamp": f"CAST({s} AS DATE)",
                 "timestamptz": f"CAST(timezone('UTC', {s}) AS DATE)"},
        "timestamp": {"timestamp": f"CAST({s} AS TIMESTAMP)", "date": f"CAST({s} AS TIMESTAMP)",
                      "timestamptz": f"timezone('UTC', {s})"},
        "json": {"nested": f"CAST(to_json({s}) AS VARCHAR)"},
    }[column.type]
    if family not in allowed:
        raise SourceFileError(
            f"{path}: column '{column.name}' has type {source.type} in the file, "
            f"which cannot be read as the contract's {column.type}"
        )
    return allowed[family]


def raw_text(source: SourceColumn) -> str:
    return q(source.name) if source.base_type == "VARCHAR" else f"CAST({q(source.name)} AS VARCHAR)"


def _preview(text_sql: str) -> str:
    return f"'''' || left({text_sql}, {VALUE_PREVIEW}) || ''''"


def _json_kind(typed: str) -> str:
    """JSON's own name for a value's type (DuckDB says UBIGINT, VARCHAR ...)."""
    return (f"CASE json_type({typed}) WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string' "
            f"WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END")


def column_reasons(column: ColumnSpec, typed: str, text: str, is_pk: bool) -> list[str]:
    """SQL expressions, each a reason string or NULL, for one contract column."""
    name = column.name
    reasons = []
    if column.required:
        label = f"null primary key {name}" if is_pk else f"missing required value in {name}"
        # Blank (whitespace-only) counts as missing; long values are not trimmed to find out.
        reasons.append(
            f"CASE WHEN {text} IS NULL THEN {lit(label)} WHEN length({text}) > 64 THEN NULL "
            f"WHEN TRIM({text}) = '' THEN {lit(label)} END"
        )
    if column.type not in ("string", "json"):
        reasons.append(
            f"CASE WHEN NULLIF(TRIM({text}), '') IS NOT NULL AND {typed} IS NULL "
            f"THEN {lit(name + ': ')} || {_preview(text)} || {lit(' is not a valid ' + column.type)} END"
        )
    if column.type == "float":
        reasons.append(
            f"CASE WHEN isnan({typed}) OR isinf({typed}) "
            f"THEN {lit(name + ': ')} || {_preview(text)} || ' is not a finite number (NaN, Infinity or "
            f"beyond the double range)' END"
        )
    if column.format == "sfdc_id":
        reasons.append(
            f"CASE WHEN {typed} IS NOT NULL AND TRIM({typed}) <> '' THEN {lit(name + ': Salesforce id ')} || "
            f"{_preview(typed)} || ' ' || ({problem_sql(typed)}) END"
        )
    if column.accepted is not None:
        values = ", ".join(lit(v) for v in column.accepted)
        shown = ", ".join(str(v) for v in column.accepted)
        reasons.append(
            f"CASE WHEN {typed} IS NOT NULL AND {typed} NOT IN ({values}) "
            f"THEN {lit(name + ': ')} || {_preview(f'CAST({typed} AS VARCHAR)')} || {lit(' is not one of ' + shown)} END"
        )
    if column.min is not None:
        reasons.append(
            f"CASE WHEN {typed} < {column.min!r} THEN {lit(name + ': ')} || CAST({typed} AS VARCHAR) "
            f"|| {lit(f' is below the minimum {column.min}')} END"
        )
    if column.type == "json":
        # One parse per value: a valid JSON text starting with "{" (typed values are
        # left-trimmed) is an object; json_type runs only on the rare other ones.
        not_object = (
            f"WHEN NOT starts_with({typed}, '{{') THEN {lit(name + ': JSON ')} || {_json_kind(typed)} "
            "|| ' where an object is required' " if column.json_object else ""
        )
        reasons.append(
            f"CASE WHEN {typed} IS NULL THEN NULL WHEN NOT json_valid({typed}) "
            f"THEN {lit(name + ': malformed JSON')} {not_object}END"
        )
    return reasons


class TableRules:
    """The classify statement for one table, given the columns found in its file."""

    def __init__(self, spec: TableSpec, source_columns: list[SourceColumn], path):
        self.spec = spec
        self.path = path
        by_name = {c.name.lower(): c for c in source_columns}
        missing = [c.name for c in spec.columns if c.name not in by_name]
        if missing:
            raise SourceFileError(
                f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} for {spec.system}.{spec.table} "
                f"(the contract requires: {', '.join(spec.column_names)})"
            )
        self.sources = {c.name: by_name[c.name] for c in spec.columns}
        contract = set(spec.column_names)
        self.extra = [c for c in source_columns if c.name.lower() not in contract
                      and not c.name.lower().startswith("_")]
        self.typed = {c.name: typed_expression(c, self.sources[c.name], path) for c in spec.columns}

    @property
    def updated_column(self) -> str | None:
        return next((c for c in UPDATED_COLUMNS if c in self.spec.column_names), None)

    def typed_columns_sql(self) -> str:
        """Every contract column typed per the contract, named `_t_<column>`."""
        return ",\n        ".join(f"{expr} AS {q('_t_' + name)}" for name, expr in self.typed.items())

    def row_reason_sql(self) -> str:
        """The reasons of one row (over the `_t_` columns and the file's), NULL when it is good."""
        reasons = []
        for column in self.spec.columns:
            reasons += column_reasons(
                column, q("_t_" + column.name), raw_text(self.sources[column.name]),
                column.name in self.spec.primary_key,
            )
        return "NULLIF(concat_ws('; ', " + ", ".join(reasons) + "), '')"

    def duplicate_parts(self, column, row_id: str) -> tuple[str, str, str] | None:
        """(partition, order, reason) of the duplicate-key rule, `column(name)` naming a
        typed key column; None without a primary key. The first row in `order` is kept."""
        spec = self.spec
        if not spec.primary_key:
            return None
        updated = self.updated_column
        order = f"{column(updated)} DESC NULLS LAST, {row_id}" if updated else row_id
        kept = f"the latest {updated}" if updated else "the first occurrence in the file"
        key_text = " || ', ' || ".join(f"{lit(c + '=')} || CAST({column(c)} AS VARCHAR)" for c in spec.primary_key)
        reason = f"'duplicate primary key ' || {key_text} || {lit(' (kept the row with ' + kept + ')')}"
        return ", ".join(column(c) for c in spec.primary_key), order, reason

    def reasons_sql(self, relation: str) -> str:
        """`_row_id`, `_rejection_reason` for every row of `relation` (a table with rowid).

        Only this narrow result is materialized: the wide columns (a Service Ping
        payload is kilobytes) never pass through the duplicate-key window, which
        sorts just the key, the updated column and the row id.
        """
        parts = self.duplicate_parts(lambda c: q("_t_" + c), "_row_id")
        if parts:
            pk, order, reason = parts
            duplicate = (f"CASE WHEN _row_reason IS NULL AND row_number() OVER "
                         f"(PARTITION BY _row_reason IS NULL, {pk} ORDER BY {order}) > 1 THEN {reason} END")
        else:
            duplicate = "CAST(NULL AS VARCHAR)"
        return f"""
with typed as (
    select rowid as _row_id, *,
        {self.typed_columns_sql()}
    from {relation}
),
reasoned as (
    select typed.*, {self.row_reason_sql()} as _row_reason from typed
)
select _row_id, coalesce(_row_reason, {duplicate}) as _rejection_reason
from reasoned
"""

    def raw_select(self) -> str:
        """Columns of the loaded table: contract columns typed, extra columns as read."""
        cols = [f"CAST({self.typed[c.name]} AS {SQL_TYPES[c.type]}) AS {q(c.name)}" for c in self.spec.columns]
        cols += [f"{q(c.name)} AS {q(c.name.lower())}" for c in self.extra]
        return ", ".join(cols)

    def quarantine_select(self) -> str:
        """Columns of the quarantine table: every file column as text, as it was read."""
        cols = [f"{raw_text(self.sources[c.name])} AS {q(c.name)}" for c in self.spec.columns]
        cols += [f"{raw_text(c)} AS {q(c.name.lower())}" for c in self.extra]
        return ", ".join(cols)
