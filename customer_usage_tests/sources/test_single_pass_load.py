"""The in-warehouse load reads a landing file once (issue 18): what it writes is what the
two-pass load wrote, its bookkeeping never shows, payloads are stored compressed, and
a Snowflake load streams the same rows in chunks."""

from __future__ import annotations

import duckdb
import pandas as pd

from customer_usage.sources import snowflake_load
from customer_usage.sources.contract import table_spec
from customer_usage.sources.loader import load_into_duckdb
from customer_usage.sources.snowflake_load import load_via_dataframes
from customer_usage.warehouse import DuckDBWarehouse
from customer_usage_tests.sources.test_bad_inputs import load, write


def _pings() -> pd.DataFrame:
    """Five pings: good, a bad integer, malformed JSON, and id 4 twice (no updated column: the first wins)."""
    return pd.DataFrame({
        "id": [1, 2, 3, 4, 4],
        "uuid": ["u1", "u2", "u3", "u4", "u4"],
        "hostname": ["h"] * 5,
        "host_id": [1, 1, 1, 1, 1],
        "version": ["16.0"] * 5,
        "edition": ["EE"] * 5,
        "license_md5": ["m"] * 5,
        "license_subscription_id": [None] * 5,
        "license_user_count": ["10", "ten", "10", "10", "10"],
        "license_billable_users": [5] * 5,
        "historical_max_users": [5] * 5,
        "active_user_count": [5] * 5,
        "recorded_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]),
        "created_at": pd.to_datetime(["2024-01-01"] * 5),
        "payload": ['{"a": 1}', '{"a": 2}', '{"a": ', '{"a": 4}', '{"a": 5}'],
        "site_region": ["eu", "us", "eu", "us", "eu"],  # a column the contract does not know
    })


def test_bad_rows_go_to_quarantine_with_file_text_row_and_reason(tmp_path):
    path = write(tmp_path, "version_db", "usage_data", _pings(), fmt="parquet")
    loaded = load(tmp_path, "version_db", "usage_data")
    q = loaded.quarantine
    assert q["_row_number"].tolist() == [2, 3, 5]
    assert q["_source_file"].tolist() == [str(path)] * 3
    assert "license_user_count: 'ten' is not a valid integer" in q["_rejection_reason"][0]
    assert q["license_user_count"][0] == "ten"  # the file's text, not the typed NULL
    assert q["_rejection_reason"][1] == "payload: malformed JSON"
    assert q["payload"][1] == '{"a": '
    assert q["_rejection_reason"][2] == "duplicate primary key id=4 (kept the row with the first occurrence in the file)"
    assert q["site_region"].tolist() == ["us", "eu", "eu"]
    assert loaded.raw["id"].tolist() == [1, 4]
    assert loaded.raw.loc[1, "payload"] == '{"a": 4}'
    assert loaded.result.sample_rejections[0]["row"] == 2
    assert loaded.result.rejections_by_rule["payload: malformed JSON"] == 1


def test_loaded_table_has_no_bookkeeping_columns_and_payloads_are_zstd(tmp_path):
    write(tmp_path, "version_db", "usage_data", _pings(), fmt="parquet")
    loaded = load(tmp_path, "version_db", "usage_data")
    spec = table_spec("version_db", "usage_data")
    assert list(loaded.raw.columns) == [*spec.column_names, "site_region", "_source_file", "_loaded_at"]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("checkpoint")
        compressions = {row[0] for row in con.execute(
            "select compression from pragma_storage_info('raw_version_db.usage_data') "
            "where column_name = 'payload' and segment_type = 'VARCHAR'").fetchall()}
    assert compressions == {"ZSTD"}


def test_a_failed_load_keeps_the_previous_tables(tmp_path):
    write(tmp_path, "version_db", "usage_data", _pings(), fmt="parquet")
    load(tmp_path, "version_db", "usage_data")
    bad = _pings().drop(columns=["payload"])  # a missing contract column fails the file
    write(tmp_path, "version_db", "usage_data", bad, fmt="parquet")
    spec = table_spec("version_db", "usage_data")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        try:
            load_into_duckdb(DuckDBWarehouse(con), spec, tmp_path / "landing")
        except ValueError as exc:
            assert "payload" in str(exc)
        assert con.execute("select count(*) from raw_version_db.usage_data").fetchone()[0] == 2
        assert con.execute("select count(*) from quarantine.version_db__usage_data").fetchone()[0] == 3


class _SnowflakeTypesOnDuckDB(DuckDBWarehouse):
    """DuckDB answering the Snowflake type names the dataframe path re-types with."""

    def execute(self, sql, params=None):
        super().execute(sql.replace("NUMBER(38,0)", "DECIMAL(38,0)").replace("TIMESTAMP_NTZ", "TIMESTAMP"), params)


def test_snowflake_path_streams_the_same_rows_in_chunks(tmp_path, monkeypatch):
    """The dataframe path (Snowflake) sends chunks of FRAME_ROWS rows; the tables match the
    in-warehouse load's."""
    write(tmp_path, "version_db", "usage_data", _pings(), fmt="parquet")
    expected = load(tmp_path, "version_db", "usage_data")
    monkeypatch.setattr(snowflake_load, "FRAME_ROWS", 1)
    spec = table_spec("version_db", "usage_data")
    sent: list[int] = []
    with duckdb.connect(str(tmp_path / "streamed.duckdb")) as con:
        wh = _SnowflakeTypesOnDuckDB(con)
        append = wh.append_df
        monkeypatch.setattr(wh, "append_df", lambda df, *a: sent.append(len(df)) or append(df, *a))
        result = load_via_dataframes(wh, spec, tmp_path / "landing")
        raw = con.execute("select id, payload from raw_version_db.usage_data order by id").fetchall()
        quarantined = con.execute("select _row_number from quarantine.version_db__usage_data "
                                  "order by _row_number").fetchall()
    assert (result.rows_loaded, result.rows_quarantined) == (2, 3)
    assert sent and set(sent) == {1}  # every chunk after the first held one row
    assert raw == [(1, '{"a": 1}'), (4, '{"a": 4}')]
    assert [r[0] for r in quarantined] == expected.quarantine["_row_number"].tolist()
