"""Load one landing file inside the DuckDB warehouse: one pass over the file, no row in Python.

1. One `insert … select` streams the file into `raw_<system>.<table>`: every
   contract column typed, every row's reasons computed (`rules.py`), plus three
   kinds of bookkeeping columns: `_cu_row` (the row's position in the file),
   `_cu_reason`, and `_cu_text_<n>` (the file's text of a typed column, kept only
   for rows with a reason, NULL and free otherwise). The file is read once; a
   Service Ping payload is typed, validated and written in the same pass, never
   held in memory (the statement streams; DuckDB's memory limit and spill folder
   bound the writer), and JSON columns are stored ZSTD-compressed (DuckDB's
   automatic choice analyses every long text, 2-3× slower to write, 7× larger).
2. The duplicate-key rule reads only the key, updated and `_cu_row` columns of the
   good rows back from that table (columnar: the payloads are not read).
3. `quarantine.<system>__<table>` gets the rejected rows, the file's text of each
   column and the reason, ordered by their position in the file; duplicate losers
   (valid rows, so no text kept in step 1) are read from the file again, only when
   there are any.
4. The rejected rows are deleted from the raw table and the bookkeeping columns
   dropped (both change metadata only).

All of it runs in one transaction: a failure leaves the previous tables as they were.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from customer_usage.sources.contract import TableSpec
from customer_usage.sources.landing import LandingFile
from customer_usage.sources.rules import SQL_TYPES, TableRules, lit, q, raw_text

ROW, REASON, TEXT = "_cu_row", "_cu_reason", "_cu_text_"
DUPES = "_cu_duplicates"
# Column types written with ZSTD: kilobytes of text per row (Service Ping payloads).
ZSTD_TYPES = ("json",)


def _lineage(landing: LandingFile, loaded_at: dt.datetime) -> str:
    stamp = f"CAST({lit(loaded_at.strftime('%Y-%m-%d %H:%M:%S.%f'))} AS TIMESTAMP)"
    return f"{lit(str(landing.path))} AS _source_file, {stamp} AS _loaded_at"


def _kept_as_text(rules: TableRules) -> list[str]:
    """Contract columns whose loaded value may differ from the file's text (typed, trimmed)."""
    return [c.name for c in rules.spec.columns if rules.typed[c.name] != q(rules.sources[c.name].name)]


def single_pass_select(rules: TableRules, landing: LandingFile, loaded_at: dt.datetime) -> str:
    """The raw table's columns, then `_cu_row`, `_cu_reason` and the rejected rows' text."""
    spec = rules.spec
    cols = [f"CAST({q('_t_' + c.name)} AS {SQL_TYPES[c.type]}) AS {q(c.name)}" for c in spec.columns]
    cols += [f"{q(c.name)} AS {q(c.name.lower())}" for c in rules.extra]
    texts = [f"CASE WHEN {REASON} IS NOT NULL THEN {raw_text(rules.sources[name])} END AS {q(TEXT + str(i))}"
             for i, name in enumerate(_kept_as_text(rules))]
    return f"""
with typed as (
    select rowid as {ROW}, *,
        {rules.typed_columns_sql()}
    from _cu_landing
),
reasoned as (
    select typed.*, {rules.row_reason_sql()} as {REASON} from typed
)
select {', '.join(cols)}, {_lineage(landing, loaded_at)}, {ROW}, {REASON}{''.join(', ' + t for t in texts)}
from reasoned
"""


def _create_statement(con: duckdb.DuckDBPyConnection, rules: TableRules, table: str, select: str) -> str:
    """`create or replace table` with the select's own column types, JSON columns ZSTD-compressed."""
    zstd = {c.name for c in rules.spec.columns if c.type in ZSTD_TYPES}
    described = con.execute(f"describe {select}").fetchall()
    defs = ", ".join(f"{q(name)} {kind}" + (" USING COMPRESSION zstd" if name in zstd else "")
                     for name, kind, *_ in described)
    return f"create or replace table {table} ({defs})"


def _duplicates_sql(rules: TableRules, table: str) -> str | None:
    parts = rules.duplicate_parts(q, ROW)
    if parts is None:
        return None
    pk, order, reason = parts
    return (f"create or replace temp table {DUPES} as select {ROW}, {reason} as {REASON} from ("
            f"select *, row_number() over (partition by {pk} order by {order}) as _cu_n "
            f"from {table} where {REASON} is null) where _cu_n > 1")


def _quarantine_sql(rules: TableRules, landing: LandingFile, loaded_at: dt.datetime, table: str,
                    with_duplicates: bool) -> str:
    kept = {name: i for i, name in enumerate(_kept_as_text(rules))}
    from_raw = [f"{q(TEXT + str(kept[c.name]))} AS {q(c.name)}" if c.name in kept
                else f"CAST({q(c.name)} AS VARCHAR) AS {q(c.name)}" for c in rules.spec.columns]
    from_raw += [f"CAST({q(c.name.lower())} AS VARCHAR) AS {q(c.name.lower())}" for c in rules.extra]
    parts = [f"select {', '.join(from_raw)}, {ROW} + 1 as _row_number, _source_file, _loaded_at, "
             f"{REASON} as _rejection_reason from {table} where {REASON} is not null"]
    if with_duplicates:
        parts.append(f"select {rules.quarantine_select()}, l.rowid + 1, {_lineage(landing, loaded_at)}, d.{REASON} "
                     f"from _cu_landing l join {DUPES} d on d.{ROW} = l.rowid")
    return f"select * from ({' union all '.join(parts)}) order by _row_number"


def load_single_pass(con: duckdb.DuckDBPyConnection, rules: TableRules, landing: LandingFile,
                     loaded_at: dt.datetime, quarantine_table: str) -> tuple[int, int]:
    """Write the raw and quarantine tables of `landing` (exposed as `_cu_landing`);
    returns (rows loaded, rows quarantined). Runs inside the caller's transaction."""
    spec: TableSpec = rules.spec
    raw = f"{spec.raw_schema}.{q(spec.table)}"
    select = single_pass_select(rules, landing, loaded_at)
    con.execute(_create_statement(con, rules, raw, select))
    con.execute(f"insert into {raw} {select}")
    dupes = _duplicates_sql(rules, raw)
    if dupes:
        con.execute(dupes)
    duplicates = con.execute(f"select count(*) from {DUPES}").fetchone()[0] if dupes else 0
    bad = _quarantine_sql(rules, landing, loaded_at, raw, with_duplicates=duplicates > 0)
    con.execute(f"create or replace table {quarantine_table} as {bad}")
    quarantined = con.execute(f"select count(*) from {quarantine_table}").fetchone()[0]
    if quarantined:
        gone = f" or {ROW} in (select {ROW} from {DUPES})" if duplicates else ""
        con.execute(f"delete from {raw} where {REASON} is not null{gone}")
    if dupes:
        con.execute(f"drop table {DUPES}")
    bookkeeping = [ROW, REASON] + [TEXT + str(i) for i in range(len(_kept_as_text(rules)))]
    for column in bookkeeping:
        con.execute(f"alter table {raw} drop column {q(column)}")
    loaded = con.execute(f"select count(*) from {raw}").fetchone()[0]
    return int(loaded), int(quarantined)
