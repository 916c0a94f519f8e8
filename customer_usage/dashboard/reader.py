"""Read-only access to the marts for the dashboard, through the platform's Settings.

Locally the DuckDB file is opened read-only once and shared by the queries of a
page (opening it costs 20-150 ms, a page asks up to a dozen questions); the
connection is closed after IDLE_CLOSE_S without a query, or when the file was
replaced, so an idle dashboard never holds the file while `customer-usage run`
wants to write it. Queries are serialized per Reader (one DuckDB connection is
not shared by threads; each runs in parallel inside DuckDB).
In prod it connects to Snowflake through the same warehouse resource the
assets use (credentials from `SNOWFLAKE_*`, resolved here, never logged).
Queries use `?` placeholders; the Snowflake connector's `%s` is swapped in here.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import pandas as pd

from customer_usage.settings import Settings
from customer_usage.warehouse_basics import connect_duckdb_for, quote_ident


class WarehouseMissing(RuntimeError):
    """The local warehouse file does not exist yet; the message says how to build it."""


IDLE_CLOSE_S = 3.0


class Reader:
    def __init__(self, settings: Settings, idle_close_s: float = IDLE_CLOSE_S):
        self.settings = settings
        self.idle_close_s = idle_close_s
        self._lock = threading.RLock()
        self._duckdb = None  # (connection, file stamp) while open
        self._closer: threading.Timer | None = None

    def _file_stamp(self) -> tuple[int, int]:
        path = self.settings.duckdb_path
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise WarehouseMissing(
                f"no warehouse at {path} (CUSTOMER_USAGE_DUCKDB_PATH): build it first with `make run`"
            ) from None
        return stat.st_ino, stat.st_mtime_ns

    def close(self) -> None:
        """Close the shared local connection (the next query opens it again)."""
        with self._lock:
            if self._closer is not None:
                self._closer.cancel()
                self._closer = None
            if self._duckdb is not None:
                con, self._duckdb = self._duckdb[0], None
                con.close()

    def _close_when_idle(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
        self._closer = threading.Timer(self.idle_close_s, self.close)
        self._closer.daemon = True
        self._closer.start()

    @contextmanager
    def _local_connection(self) -> Iterator[Any]:
        with self._lock:
            stamp = self._file_stamp()
            if self._duckdb is not None and self._duckdb[1] != stamp:
                self.close()
            if self._duckdb is None:
                self._duckdb = (connect_duckdb_for(self.settings, read_only=True), stamp)
            if self._closer is not None:
                self._closer.cancel()
            try:
                yield self._duckdb[0]
            finally:
                self._close_when_idle()

    @property
    def dialect(self) -> str:
        return "duckdb" if self.settings.is_local else "snowflake"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.settings.is_local:
            with self._local_connection() as con:
                yield con
        else:
            from customer_usage.warehouse import snowflake_resource_from_env

            resource = snowflake_resource_from_env().process_config_and_initialize()
            with resource.get_connection() as con:
                yield con

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._connection() as con:
            if self.settings.is_local:
                return con.execute(sql, list(params)).fetchdf() if params else con.execute(sql).fetchdf()
            cur = con.cursor()
            try:
                cur.execute(sql.replace("?", "%s"), tuple(params) if params else None)
                columns = [c[0].lower() for c in cur.description]
                return pd.DataFrame(cur.fetchall(), columns=columns)
            finally:
                cur.close()

    def tables(self, schema: str = "marts") -> frozenset[str]:
        """Lower-cased names of the tables and views of `schema` (which optional reports exist)."""
        frame = self.query(
            "select table_name from information_schema.tables where lower(table_schema) = lower(?)",
            [quote_ident(schema)],
        )
        return frozenset(str(n).lower() for n in frame["table_name"])

    def columns(self, schema: str, table: str) -> tuple[str, ...]:
        frame = self.query(
            "select column_name from information_schema.columns "
            "where lower(table_schema) = lower(?) and lower(table_name) = lower(?) order by ordinal_position",
            [quote_ident(schema), quote_ident(table)],
        )
        return tuple(str(c).lower() for c in frame["column_name"])
