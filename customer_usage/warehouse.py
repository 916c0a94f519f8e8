"""The warehouse behind both targets: an embedded DuckDB file locally, Snowflake in prod.

Python code that touches the warehouse (loaders, checks, exports) talks to a
`Warehouse`, so the same asset code runs on both targets; only connecting and
bulk-writing differ. Transformations belong to dbt, not here.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import dagster as dg
import pandas as pd

if TYPE_CHECKING:
    from dagster_snowflake import SnowflakeResource

# Re-exported: identifier quoting and opening DuckDB need no Dagster, so they live in
# warehouse_basics, where light readers (the dashboard) import them without Dagster.
from customer_usage.warehouse_basics import (  # noqa: F401
    DEFAULT_MEMORY_LIMIT, connect_duckdb, connect_duckdb_for, duckdb_config, quote_ident,
)

# Every asset that writes the warehouse runs in this pool; dagster.yaml lets one run
# hold it at a time (DuckDB allows one writer per file).
WAREHOUSE_POOL = "warehouse_writer"
# Runs that write the warehouse carry this tag; the instance's run queue allows one
# at a time (DuckDB has one writer per file) and the arrival sensor waits for them.
WRITER_TAG_KEY = "customer_usage/warehouse"
WRITER_TAGS = {WRITER_TAG_KEY: "duckdb"}
PROD_WRITER_TAGS = {WRITER_TAG_KEY: "snowflake"}


def writer_tags(is_local: bool) -> dict[str, str]:
    """The tags of a run that writes the warehouse of this target."""
    return dict(WRITER_TAGS if is_local else PROD_WRITER_TAGS)


class Warehouse:
    """One open connection; subclasses differ only in how they connect and bulk-load."""

    dialect: str = ""

    def __init__(self, connection: Any, scratch_memory_limit: str = DEFAULT_MEMORY_LIMIT,
                 scratch_temp_dir: str | None = None):
        self.connection = connection
        self.scratch_memory_limit, self.scratch_temp_dir = scratch_memory_limit, scratch_temp_dir

    def scratch_duckdb(self):
        """An in-memory DuckDB beside this warehouse (a Snowflake load classifies a file in one),
        with the same memory limit and spill folder as the warehouse's own connections."""
        return connect_duckdb(memory_limit=self.scratch_memory_limit, temp_directory=self.scratch_temp_dir)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        cur = self.connection.cursor()
        try:
            cur.execute(sql, params) if params else cur.execute(sql)
        finally:
            cur.close()

    def fetch_all(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur = self.connection.cursor()
        try:
            cur.execute(sql, params) if params else cur.execute(sql)
            return list(cur.fetchall())
        finally:
            cur.close()

    def fetch_one(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_df(self, sql: str) -> pd.DataFrame:
        cur = self.connection.cursor()
        try:
            cur.execute(sql)
            columns = [c[0].lower() for c in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)
        finally:
            cur.close()

    def fetch_frames(self, sql: str, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """The result of `sql` as frames of up to `rows` rows (at least one, perhaps empty):
        a large table is read without holding it whole in pandas."""
        cur = self.connection.cursor()
        try:
            cur.execute(sql)
            columns = [c[0].lower() for c in cur.description]
            first = True
            while True:
                chunk = cur.fetchmany(rows)
                if not chunk and not first:
                    return
                first = False
                yield pd.DataFrame(chunk, columns=columns)
                if not chunk:
                    return
        finally:
            cur.close()

    def ensure_schema(self, schema: str) -> None:
        self.execute(f"create schema if not exists {quote_ident(schema)}")

    def table_exists(self, schema: str, table: str) -> bool:
        row = self.fetch_one(
            "select count(*) from information_schema.tables "
            "where lower(table_schema) = lower(%s) and lower(table_name) = lower(%s)"
            if self.dialect == "snowflake"
            else "select count(*) from information_schema.tables "
            "where lower(table_schema) = lower(?) and lower(table_name) = lower(?)",
            [schema, table],
        )
        return bool(row and row[0])

    def row_count(self, schema: str, table: str) -> int:
        row = self.fetch_one(f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}")
        return int(row[0]) if row else 0

    def write_df(self, df: pd.DataFrame, schema: str, table: str) -> int:
        """Replace `schema.table` with the frame's rows; returns the rows written."""
        raise NotImplementedError

    def append_df(self, df: pd.DataFrame, schema: str, table: str) -> int:
        """Add the frame's rows to `schema.table` (created by `write_df`); returns the rows written."""
        raise NotImplementedError

    def write_frames(self, frames: Iterable[pd.DataFrame], schema: str, table: str) -> int:
        """Replace `schema.table` with the rows of `frames`, one chunk in memory at a time
        (a loader streams a file of any size this way); the first frame, even empty, sets
        the columns."""
        written = 0
        for i, df in enumerate(frames):
            written += self.write_df(df, schema, table) if i == 0 else self.append_df(df, schema, table)
        return written

    def ibis(self):
        """An ibis backend on this same connection, for pandera's in-warehouse validation."""
        raise NotImplementedError


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.connection.execute(sql, params) if params else self.connection.execute(sql)

    def fetch_all(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        rel = self.connection.execute(sql, params) if params else self.connection.execute(sql)
        return rel.fetchall()

    def fetch_df(self, sql: str) -> pd.DataFrame:
        return self.connection.execute(sql).fetchdf()

    def fetch_frames(self, sql: str, rows: int = 100_000) -> Iterator[pd.DataFrame]:
        # DuckDB's own pandas conversion (as fetchdf), one chunk of vectors at a time.
        result = self.connection.execute(sql)
        vectors = max(1, rows // 2048)
        first = True
        while True:
            frame = result.fetch_df_chunk(vectors)
            if len(frame) == 0 and not first:
                return
            first = False
            yield frame
            if len(frame) == 0:
                return

    def write_df(self, df: pd.DataFrame, schema: str, table: str) -> int:
        self.ensure_schema(schema)
        self.connection.register("_customer_usage_frame", df)
        try:
            self.connection.execute(
                f"create or replace table {quote_ident(schema)}.{quote_ident(table)} "
                "as select * from _customer_usage_frame"
            )
        finally:
            self.connection.unregister("_customer_usage_frame")
        return len(df)

    def append_df(self, df: pd.DataFrame, schema: str, table: str) -> int:
        self.connection.register("_customer_usage_frame", df)
        try:
            self.connection.execute(
                f"insert into {quote_ident(schema)}.{quote_ident(table)} by name select * from _customer_usage_frame"
            )
        finally:
            self.connection.unregister("_customer_usage_frame")
        return len(df)

    def ibis(self):
        import ibis

        return ibis.duckdb.from_connection(self.connection)


def _bindable(value: Any) -> Any:
    """The Snowflake connector cannot bind pandas Timestamps (nor NaT); plain datetimes and None it can."""
    if value is pd.NaT:
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _is_loopback(connection: Any) -> bool:
    """A Snowflake connection to this machine is fakesnow's server: Snowflake itself never is."""
    return str(getattr(connection, "host", "") or "").lower() in ("localhost", "127.0.0.1", "::1")


class SnowflakeWarehouse(Warehouse):
    dialect = "snowflake"

    _TYPES = {"b": "boolean", "i": "number(38,0)", "u": "number(38,0)", "f": "float", "M": "timestamp_ntz"}

    def write_df(self, df: pd.DataFrame, schema: str, table: str, chunk_rows: int = 5000) -> int:
        """Replace the table with the frame: `write_pandas` (PUT to the table's stage +
        COPY INTO, one bulk load) on Snowflake.

        fakesnow's server mode (what the end-to-end tests connect to, always on a
        loopback host) cannot stage files, so there, and only there, the rows go in
        as multi-row INSERTs (`_insert_rows`).
        """
        self.ensure_schema(schema)
        return self._bulk_write(df, schema, table, chunk_rows, replace=True)

    def append_df(self, df: pd.DataFrame, schema: str, table: str, chunk_rows: int = 5000) -> int:
        return self._bulk_write(df, schema, table, chunk_rows, replace=False)

    def _bulk_write(self, df: pd.DataFrame, schema: str, table: str, chunk_rows: int, replace: bool) -> int:
        """`write_pandas` creating/replacing the table or appending to it (INSERTs on fakesnow)."""
        if _is_loopback(self.connection):
            return self._insert_rows(df, schema, table, chunk_rows, create=replace)
        from snowflake.connector.pandas_tools import write_pandas

        success, _chunks, rows, _ = write_pandas(
            self.connection, df, quote_ident(table), schema=quote_ident(schema).upper(),
            auto_create_table=replace, overwrite=replace, quote_identifiers=False, use_logical_type=True,
        )
        if not success:
            raise RuntimeError(f"write_pandas into {schema}.{table} reported failure")
        return int(rows)

    def _insert_rows(self, df: pd.DataFrame, schema: str, table: str, chunk_rows: int, create: bool = True) -> int:
        """Create the table from the frame's dtypes (unless appending) and insert in multi-row
        batches (fakesnow server only)."""
        name = f"{quote_ident(schema)}.{quote_ident(table)}"
        if create:
            columns = ", ".join(
                f"{quote_ident(str(c))} {self._TYPES.get(df[c].dtype.kind, 'varchar')}" for c in df.columns
            )
            self.execute(f"create or replace table {name} ({columns})")
        placeholders = ", ".join(["%s"] * len(df.columns))
        frame = df.astype(object).where(pd.notna(df), None)
        rows = [tuple(_bindable(v) for v in r) for r in frame.itertuples(index=False, name=None)]
        cur = self.connection.cursor()
        try:
            for start in range(0, len(rows), chunk_rows):
                cur.executemany(f"insert into {name} values ({placeholders})", rows[start : start + chunk_rows])
        finally:
            cur.close()
        return len(rows)

    def ibis(self):
        import ibis

        return ibis.snowflake.from_connection(self.connection, create_object_udfs=False)


class WarehouseResource(dg.ConfigurableResource):
    """Connects to the target's warehouse.

    `local` opens the DuckDB file for the duration of one step (DuckDB allows one
    writer per file, so nothing holds it longer); `prod` goes through dagster's
    `SnowflakeResource`, whose credentials are `EnvVar`s resolved at run time.
    """

    target: str = "local"
    duckdb_path: str = ""
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT
    duckdb_temp_dir: str = ""  # "": beside the warehouse file (`<file>.tmp`)
    # a `dagster_snowflake.SnowflakeResource` in prod. Typed by its base class so that
    # a DuckDB process never imports dagster_snowflake (with the Snowflake SDKs it pulls
    # in, ~7 s of every run worker's, code server's and command's start-up).
    snowflake: dg.ConfigurableResource | None = None

    @property
    def dialect(self) -> str:
        return "snowflake" if self.target == "prod" else "duckdb"

    @contextmanager
    def connect(self) -> Iterator[Warehouse]:
        if self.target == "prod":
            if self.snowflake is None:
                raise dg.DagsterInvariantViolationError(
                    "CUSTOMER_USAGE_TARGET=prod needs a Snowflake connection (SNOWFLAKE_* variables)"
                )
            with self.snowflake.get_connection() as conn:
                yield SnowflakeWarehouse(conn, self.duckdb_memory_limit, self.duckdb_temp_dir or None)
        else:
            Path(self.duckdb_path).parent.mkdir(parents=True, exist_ok=True)
            conn = connect_duckdb(self.duckdb_path, memory_limit=self.duckdb_memory_limit,
                                  temp_directory=self.duckdb_temp_dir or None)
            try:
                yield DuckDBWarehouse(conn, self.duckdb_memory_limit, self.duckdb_temp_dir or None)
            finally:
                conn.close()


def snowflake_resource_from_env() -> "SnowflakeResource":
    """Snowflake credentials as `EnvVar`s: resolved when a run starts, never logged."""
    from dagster_snowflake import SnowflakeResource

    return SnowflakeResource(
        account=dg.EnvVar("SNOWFLAKE_ACCOUNT"),
        user=dg.EnvVar("SNOWFLAKE_USER"),
        password=dg.EnvVar("SNOWFLAKE_PASSWORD"),
        database=dg.EnvVar("SNOWFLAKE_DATABASE"),
        warehouse=dg.EnvVar("SNOWFLAKE_WAREHOUSE"),
        role=dg.EnvVar("SNOWFLAKE_ROLE"),
    )


def warehouse_resource_for(settings) -> WarehouseResource:
    if settings.target == "prod":
        return WarehouseResource(target="prod", snowflake=snowflake_resource_from_env(),
                                 duckdb_memory_limit=settings.duckdb_memory_limit,
                                 duckdb_temp_dir=str(settings.duckdb_temp_dir or ""))
    return WarehouseResource(target="local", duckdb_path=str(settings.duckdb_path),
                             duckdb_memory_limit=settings.duckdb_memory_limit,
                             duckdb_temp_dir=str(settings.duckdb_temp_dir or ""))
