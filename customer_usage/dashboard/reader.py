"""Read-only access to the marts for the dashboard, through the platform's Settings.

Locally each query opens the DuckDB file read-only for just that query, so the
dashboard never holds the file while `customer-usage run` wants to write it.
In prod it connects to Snowflake through the same warehouse resource the
assets use (credentials from `SNOWFLAKE_*`, resolved here, never logged).
Queries use `?` placeholders; the Snowflake connector's `%s` is swapped in here.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import pandas as pd

from customer_usage.settings import Settings
from customer_usage.warehouse import connect_duckdb_for, quote_ident


class WarehouseMissing(RuntimeError):
    """The local warehouse file does not exist yet; the message says how to build it."""


class Reader:
    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def dialect(self) -> str:
        return "duckdb" if self.settings.is_local else "snowflake"

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.settings.is_local:
            path = self.settings.duckdb_path
            if not path.exists():
                raise WarehouseMissing(
                    f"no warehouse at {path} (CUSTOMER_USAGE_DUCKDB_PATH): build it first with `make run`"
                )
            con = connect_duckdb_for(self.settings, read_only=True)
            try:
                yield con
            finally:
                con.close()
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
