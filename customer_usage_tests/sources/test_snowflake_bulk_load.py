"""Landing files reach Snowflake as one bulk load (`write_pandas`: PUT + COPY INTO), not row INSERTs.

fakesnow's in-process patch implements `write_pandas`, so the bulk path runs here;
its server mode cannot stage files, and only a loopback connection (which real
Snowflake never is) takes the INSERT path (covered by test_prod_path).
"""

from __future__ import annotations

import pandas as pd
import pytest

from customer_usage.warehouse import SnowflakeWarehouse, _is_loopback

fakesnow = pytest.importorskip("fakesnow", reason="fakesnow is a dev dependency")


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [1, 2, 3],
        "name": ["Acme", None, "Émile & Co"],
        "mrr": [12.5, None, 0.0],
        "is_deleted": [False, True, False],
        "created_date": pd.to_datetime(["2024-01-31 23:59:59", "2023-06-01 00:00:00", None]),
    })


def test_snowflake_loads_a_frame_with_write_pandas_and_replaces_the_table(monkeypatch):
    import snowflake.connector
    from snowflake.connector import pandas_tools

    with fakesnow.patch():
        calls = []
        real = pandas_tools.write_pandas

        def spy(conn, df, table_name, **kwargs):
            calls.append((table_name, kwargs["schema"], kwargs["overwrite"], len(df)))
            return real(conn, df, table_name, **kwargs)

        monkeypatch.setattr(pandas_tools, "write_pandas", spy)
        conn = snowflake.connector.connect(database="DB", schema="PUBLIC")
        conn.cursor().execute("create database if not exists DB")
        wh = SnowflakeWarehouse(conn)
        assert not _is_loopback(conn)
        cur = conn.cursor()
        cur.execute("create schema if not exists DB.RAW_SFDC")
        cur.execute("create or replace table DB.RAW_SFDC.ACCOUNT (junk varchar)")  # replaced, not appended to
        assert wh.write_df(_frame(), "raw_sfdc", "account") == 3
        assert calls == [("account", "RAW_SFDC", True, 3)]
        rows = wh.fetch_all("select id, name, mrr, is_deleted from raw_sfdc.account order by id")
        assert rows == [(1, "Acme", 12.5, False), (2, None, None, True), (3, "Émile & Co", 0.0, False)]
        assert wh.fetch_one("select count(*) from raw_sfdc.account where created_date is null") == (1,)
        assert wh.write_df(_frame().head(1), "raw_sfdc", "account") == 1
        assert wh.row_count("raw_sfdc", "account") == 1
        conn.close()


def test_only_a_loopback_connection_takes_the_insert_path():
    class Conn:
        def __init__(self, host):
            self.host = host

    assert _is_loopback(Conn("localhost")) and _is_loopback(Conn("127.0.0.1"))
    assert not _is_loopback(Conn("acme-xy12345.snowflakecomputing.com"))
