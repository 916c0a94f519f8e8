"""Load one landing file into `raw_<system>.<table>`, its rejected rows into quarantine.

DuckDB reads the file itself (CSV as text with strict quoting, so a bad quote or
non-UTF-8 bytes fail with the file's name; Parquet with its own types), the SQL
of `rules.py` classifies every row, and two `create or replace table` statements
write the good and the rejected rows. Re-running gives the same tables.
Nothing is lost: rows read = rows loaded + rows quarantined, asserted here.

Locally all of this runs inside the DuckDB warehouse, one pass over the file
(`duckdb_load.py`). For Snowflake (`CUSTOMER_USAGE_PROD_LOAD_FILES=true`) the same
classification runs in an in-memory DuckDB and the results stream to Snowflake
in chunks (`snowflake_load.py`).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from customer_usage.sources.contract import TableSpec
from customer_usage.sources.csv_diagnosis import delimiter_hint, diagnose
from customer_usage.sources.landing import (
    LandingFile,
    SourceFileError,
    duplicated,
    expected_paths,
    find_table_file,
    read_csv_header,
)
from customer_usage.sources.rules import SQL_TYPES, SourceColumn, TableRules, lit, q
from customer_usage.warehouse import DuckDBWarehouse, Warehouse

QUARANTINE_SCHEMA = "quarantine"
SAMPLE_ROWS = 5
SAMPLE_VALUE_CHARS = 80


@dataclass
class LoadResult:
    """What one load did; becomes the materialization's metadata."""

    system: str
    table: str
    source_file: str | None
    file_format: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    extra_columns: list[str] = field(default_factory=list)
    rejections_by_rule: dict[str, int] = field(default_factory=dict)
    sample_rejections: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def assert_nothing_lost(self) -> None:
        if self.rows_read != self.rows_loaded + self.rows_quarantined:
            raise AssertionError(
                f"{self.system}.{self.table} from {self.source_file}: read {self.rows_read} rows but "
                f"loaded {self.rows_loaded} + quarantined {self.rows_quarantined}"
            )

    def metadata(self) -> dict:
        return {
            "source_file": self.source_file or "(none)",
            "file_format": self.file_format or "(none)",
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "dagster/row_count": self.rows_loaded,
            "quarantine_table": f"{QUARANTINE_SCHEMA}.{self.system}__{self.table}",
            "extra_columns": self.extra_columns,
            "rejections_by_rule": self.rejections_by_rule,
            "sample_rejections": self.sample_rejections,
            "warnings": self.warnings,
        }


def _duckdb_error_summary(exc: Exception) -> str:
    """The informative first lines of a DuckDB reader error (its message is long)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.startswith(("Possible", "*", "The search space", "Delimiter",
                                                       "Quote/", "Comment", "Encoding:", "file =",
                                                       "delimiter", "quote", "escape", "header",
                                                       "skip_rows", "comment", "strict_mode",
                                                       "date_format", "timestamp_format",
                                                       "null_padding", "sample_size", "ignore_errors",
                                                       "all_varchar", "new_line"))]
    return " ".join(keep[:3])[:500]


def _unreadable(landing: LandingFile, exc: Exception, what: str) -> SourceFileError:
    """The reader's failure, located by `csv_diagnosis` when it can find the line."""
    located = diagnose(landing.path) if landing.format == "csv" else None
    if located:
        prefix = f"{landing.path}: "
        return SourceFileError(f"{prefix}cannot be read as CSV{what}: {located[len(prefix):]}")
    return SourceFileError(
        f"{landing.path}: cannot be read as {landing.format.upper()}{what}: {_duckdb_error_summary(exc)}"
    )


def _reader(landing: LandingFile) -> str:
    path = lit(str(landing.path))
    if landing.format == "parquet":
        return f"read_parquet({path})"
    return (
        f"read_csv({path}, header=true, all_varchar=true, strict_mode=true, delim=',', "
        "quote='\"', escape='\"', encoding='utf-8', null_padding=false)"
    )


def _source_columns(con: duckdb.DuckDBPyConnection, landing: LandingFile) -> list[SourceColumn]:
    path = landing.path
    if path.stat().st_size == 0:
        raise SourceFileError(f"{path}: the file is empty (0 bytes, no header row)")
    if landing.format == "csv":
        names = read_csv_header(path)
        hint = delimiter_hint(path, names)
        if hint:
            raise SourceFileError(hint)
    else:
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable file
            raise SourceFileError(f"{path}: cannot be read as Parquet: {exc}") from None
    dupes = duplicated(names)
    if dupes:
        raise SourceFileError(f"{path}: duplicated header column{'s' if len(dupes) > 1 else ''} "
                              f"{', '.join(repr(d) for d in dupes)}")
    try:
        described = con.execute(f"describe select * from {_reader(landing)}").fetchall()
    except duckdb.Error as exc:
        raise _unreadable(landing, exc, "") from None
    return [SourceColumn(name=row[0], type=str(row[1])) for row in described]


def _landing_relation_sql(landing: LandingFile) -> str:
    """`_cu_landing`: the file's rows with `rowid` = their position in the file.

    Parquet stays in the file: a view that each statement streams (payloads of
    kilobytes are never held in memory; the position is the reader's
    `file_row_number`). CSV is read once, strictly, into a temp table, so a
    malformed line fails here with the file's name (the temp table spills to the
    connection's temp_directory past its memory limit).
    """
    if landing.format == "parquet":
        path = lit(str(landing.path))
        return ("create or replace temp view _cu_landing as select file_row_number as rowid, "
                f"* exclude (file_row_number) from read_parquet({path}, file_row_number=true)")
    return f"create or replace temp table _cu_landing as select * from {_reader(landing)}"


def _drop_landing(con: duckdb.DuckDBPyConnection, landing: LandingFile | None) -> None:
    con.execute("drop table if exists _cu_rejected")
    if landing is not None:
        con.execute(f"drop {'view' if landing.format == 'parquet' else 'table'} if exists _cu_landing")


def expose(con: duckdb.DuckDBPyConnection, spec: TableSpec, landing: LandingFile) -> TableRules:
    """Expose the file as `_cu_landing` (`rowid` = the row's position in the file), and the
    rules for the columns found in it (a missing contract column fails here, naming it)."""
    con.execute("SET TimeZone = 'UTC'")
    columns = _source_columns(con, landing)
    rules = TableRules(spec, columns, landing.path)
    try:
        con.execute(_landing_relation_sql(landing))
    except duckdb.Error as exc:
        raise _unreadable(landing, exc, f" for {spec.system}.{spec.table}") from None
    return rules


def classify(con: duckdb.DuckDBPyConnection, spec: TableSpec, landing: LandingFile) -> TableRules:
    """`expose` the file, and put the ids and reasons of its rejected rows
    into `_cu_rejected` (`_row_id` = the landing rowid, i.e. the position in the file)."""
    rules = expose(con, spec, landing)
    con.execute(
        f"create or replace temp table _cu_rejected as select * from ({rules.reasons_sql('_cu_landing')}) "
        "where _rejection_reason is not null"
    )
    return rules


def _outputs(rules: TableRules, landing: LandingFile, loaded_at: dt.datetime) -> tuple[str, str]:
    stamp = f"CAST({lit(loaded_at.strftime('%Y-%m-%d %H:%M:%S.%f'))} AS TIMESTAMP)"
    lineage = f"{lit(str(landing.path))} AS _source_file, {stamp} AS _loaded_at"
    good = (f"select {rules.raw_select()}, {lineage} from _cu_landing l "
            "where not exists (select 1 from _cu_rejected r where r._row_id = l.rowid)")
    bad = (f"select {rules.quarantine_select()}, r._row_id + 1 as _row_number, {lineage}, r._rejection_reason "
           "from _cu_landing l join _cu_rejected r on r._row_id = l.rowid order by r._row_id")
    return good, bad


# Reasons with their values and keys masked, to count rejections per rule.
_RULE_SQL = (
    "regexp_replace(regexp_replace(regexp_replace(_rejection_reason, '''[^'']*''', '<value>', 'g'), "
    "'=[^ ;]*', '=<key>', 'g'), ': -?[0-9.e+]+ is below', ': <value> is below', 'g')"
)


def _rejections_by_rule(con: duckdb.DuckDBPyConnection, rejected: str) -> dict[str, int]:
    """The 20 most frequent rule messages (values masked) among `rejected`'s rows."""
    by_rule = con.execute(
        f"select r, count(*) from (select unnest(string_split({_RULE_SQL}, '; ')) as r from {rejected}) "
        "group by r order by 2 desc, 1 limit 20"
    ).fetchall()
    return {r: int(n) for r, n in by_rule}


def _summarise(con: duckdb.DuckDBPyConnection, spec: TableSpec, rules: TableRules, result: LoadResult) -> None:
    read = con.execute("select count(*) from _cu_landing").fetchone()[0]
    quarantined = con.execute("select count(*) from _cu_rejected").fetchone()[0]
    result.rows_read, result.rows_quarantined = int(read), int(quarantined)
    result.rows_loaded = result.rows_read - result.rows_quarantined
    result.extra_columns = [c.name.lower() for c in rules.extra]
    if not quarantined:
        return
    result.rejections_by_rule = _rejections_by_rule(con, "_cu_rejected")
    shown = [c.name for c in spec.columns if c.name not in spec.pii]
    values = ", ".join(
        f"left(CAST(l.{q(rules.sources[c].name)} AS VARCHAR), {SAMPLE_VALUE_CHARS}) AS {q(c)}" for c in shown
    )
    sample = con.execute(
        f"select r._row_id + 1, r._rejection_reason, {values} from _cu_rejected r "
        f"join _cu_landing l on l.rowid = r._row_id order by r._row_id limit {SAMPLE_ROWS}"
    ).fetchall()
    names = ["row", "reason", *shown]
    result.sample_rejections = [dict(zip(names, row)) for row in sample]


def _summarise_quarantine(con: duckdb.DuckDBPyConnection, spec: TableSpec, quarantine: str,
                          result: LoadResult) -> None:
    """Rejections per rule and the first rows (PII columns withheld), read from the quarantine table."""
    result.rejections_by_rule = _rejections_by_rule(con, quarantine)
    shown = [c.name for c in spec.columns if c.name not in spec.pii]
    values = ", ".join(f"left({q(c)}, {SAMPLE_VALUE_CHARS}) AS {q(c)}" for c in shown)
    sample = con.execute(
        f"select _row_number, _rejection_reason, {values} from {quarantine} order by _row_number limit {SAMPLE_ROWS}"
    ).fetchall()
    result.sample_rejections = [dict(zip(["row", "reason", *shown], row)) for row in sample]


def _empty_table_sql(spec: TableSpec) -> tuple[str, str]:
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {q(c.name)}" for c in spec.columns)
    text = ", ".join(f"CAST(NULL AS VARCHAR) AS {q(c.name)}" for c in spec.columns)
    lineage = "CAST(NULL AS VARCHAR) AS _source_file, CAST(NULL AS TIMESTAMP) AS _loaded_at"
    return (f"select {cols}, {lineage} where false",
            f"select {text}, CAST(NULL AS BIGINT) AS _row_number, {lineage}, "
            "CAST(NULL AS VARCHAR) AS _rejection_reason where false")


def _locate(spec: TableSpec, landing_dir: Path) -> LandingFile | None:
    landing = find_table_file(landing_dir, spec)
    if landing is None and spec.min_rows > 0:
        first, second = expected_paths(landing_dir, spec)
        raise SourceFileError(
            f"{spec.system}.{spec.table}: no landing file; expected {first} or {second.name} beside it"
        )
    return landing


def _check_min_rows(spec: TableSpec, result: LoadResult) -> None:
    if result.rows_read < spec.min_rows:
        raise SourceFileError(
            f"{result.source_file}: has a header but no rows; {spec.system}.{spec.table} "
            f"requires at least {spec.min_rows} row(s)"
        )


def _classify_into(con, spec: TableSpec, landing: LandingFile | None, loaded_at: dt.datetime,
                   result: LoadResult) -> tuple[str, str]:
    """Classify the file (or nothing) in `con`; returns the good/bad selects over it."""
    if landing is None:
        result.warnings.append(
            f"no landing file for {spec.system}.{spec.table} (expected "
            f"{spec.system}/{spec.table}.csv or .parquet): loaded as an empty table"
        )
        return _empty_table_sql(spec)
    rules = classify(con, spec, landing)
    _summarise(con, spec, rules, result)
    _check_min_rows(spec, result)
    return _outputs(rules, landing, loaded_at)


def load_into_duckdb(wh: DuckDBWarehouse, spec: TableSpec, landing_dir: Path,
                     loaded_at: dt.datetime | None = None) -> LoadResult:
    """Load inside the DuckDB warehouse itself, one pass over the file (`duckdb_load.py`):
    no row passes through Python."""
    from customer_usage.sources.duckdb_load import load_single_pass

    loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    landing = _locate(spec, landing_dir)
    result = LoadResult(spec.system, spec.table, str(landing.path) if landing else None,
                        landing.format if landing else None)
    con = wh.connection
    quarantine = f"{QUARANTINE_SCHEMA}.{q(spec.quarantine_table)}"
    if landing is None:
        good, bad = _classify_into(con, spec, landing, loaded_at, result)
        with _transaction(con):
            wh.ensure_schema(spec.raw_schema)
            wh.ensure_schema(QUARANTINE_SCHEMA)
            con.execute(f"create or replace table {spec.raw_schema}.{q(spec.table)} as {good}")
            con.execute(f"create or replace table {quarantine} as {bad}")
        return result
    rules = expose(con, spec, landing)
    try:
        result.rows_read = int(con.execute("select count(*) from _cu_landing").fetchone()[0])
        _check_min_rows(spec, result)
        with _transaction(con):
            wh.ensure_schema(spec.raw_schema)
            wh.ensure_schema(QUARANTINE_SCHEMA)
            try:
                loaded, quarantined = load_single_pass(con, rules, landing, loaded_at, quarantine)
            except duckdb.ConversionException as exc:
                raise _unreadable(landing, exc, f" for {spec.system}.{spec.table}") from None
    finally:
        _drop_landing(con, landing)
    result.rows_loaded, result.rows_quarantined = loaded, quarantined
    result.extra_columns = [c.name.lower() for c in rules.extra]
    if quarantined:
        _summarise_quarantine(con, spec, quarantine, result)
    result.assert_nothing_lost()
    return result


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection):
    """Both tables of a load, or neither: a failed load leaves the previous ones."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def load_table(wh: Warehouse, spec: TableSpec, landing_dir: Path) -> LoadResult:
    if isinstance(wh, DuckDBWarehouse):
        return load_into_duckdb(wh, spec, landing_dir)
    from customer_usage.sources.snowflake_load import load_via_dataframes

    return load_via_dataframes(wh, spec, landing_dir)
