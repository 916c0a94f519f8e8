"""A dbt model's materialization shows its row count and column types, read in two
queries per dbt step (customer_usage/dbt/table_metadata.py), on DuckDB and Snowflake."""

from __future__ import annotations

from contextlib import contextmanager

import dagster as dg
import duckdb
import pytest

from customer_usage.dbt.table_metadata import Relation, table_metadata, with_table_metadata
from customer_usage.warehouse import DuckDBWarehouse, SnowflakeWarehouse
from customer_usage_tests.dbt.landing_data import sfdc_account
from customer_usage_tests.helpers import environment, local_settings, write_landing

DBT_KEYS = {
    "view": dg.AssetKey(["staging", "stg_sfdc__account"]),
    "table": dg.AssetKey(["marts", "dim_crm_account"]),
    "upstream": dg.AssetKey(["intermediate", "map_crm_account_merge"]),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """sfdc/account loaded and four dbt models built by Dagster: (run result, warehouse path)."""
    from customer_usage.definitions import build_definitions
    from customer_usage.settings import Settings

    tmp = tmp_path_factory.mktemp("model_metadata")
    landing = write_landing(tmp / "landing", {"sfdc/account": sfdc_account()}, fmt="parquet")
    env = local_settings(tmp, landing)
    keys = [dg.AssetKey(["sfdc", "account"]), *DBT_KEYS.values(), dg.AssetKey(["intermediate", "int_crm_account_hierarchy"])]
    with environment(**env):
        defs = build_definitions(Settings.from_env())
        job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(keys), asset_check_selection=set())
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result, tmp / "warehouse.duckdb"


def _materialization(result, key: dg.AssetKey) -> dict:
    (event,) = [m for m in result.asset_materializations_for_node(_node_of(result, key)) if m.asset_key == key]
    return event.metadata


def _node_of(result, key):
    return next(e.node_handle.name for e in result.all_events
                if e.is_step_materialization and e.asset_key == key)


def test_a_table_shows_its_real_row_count_and_column_types(built):
    result, path = built
    meta = _materialization(result, DBT_KEYS["table"])
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select count(*) from marts.dim_crm_account").fetchone()[0]
        merges = con.execute("select count(*) from intermediate.map_crm_account_merge").fetchone()[0]
        types = dict(con.execute("select column_name, lower(data_type) from information_schema.columns "
                                 "where table_schema = 'marts' and table_name = 'dim_crm_account'").fetchall())
    assert rows > 0 and meta["dagster/row_count"].value == rows
    schema = meta["dagster/column_schema"].schema
    assert {c.name: c.type for c in schema.columns} == types
    assert any(c.description for c in schema.columns), "the dbt docs of the columns come along"
    upstream = _materialization(result, DBT_KEYS["upstream"])
    assert upstream["dagster/row_count"].value == merges  # every model of the step, from one statement


def test_a_view_shows_its_columns_but_is_not_counted(built):
    result, _ = built
    meta = _materialization(result, DBT_KEYS["view"])
    assert "dagster/row_count" not in meta  # counting would run the view's query
    assert {"account_id_18", "is_deleted"} <= {c.name for c in meta["dagster/column_schema"].schema.columns}


# --- the reader itself, on both warehouses ---------------------------------------------------


def _relations(database: str) -> dict[str, Relation]:
    return {
        "model.p.accounts": Relation("model.p.accounts", f"{database}.marts.accounts", "marts", "accounts", "table",
                                     {"account_id": "The account"}),
        "model.p.recent": Relation("model.p.recent", f"{database}.marts.recent", "marts", "recent", "view", {}),
        "model.p.months": Relation("model.p.months", f"{database}.marts.months", "marts", "months", "incremental", {}),
    }


def _fill(warehouse):
    warehouse.execute("create schema if not exists marts")
    warehouse.execute("create table marts.accounts (account_id varchar, arr double)")
    warehouse.execute("insert into marts.accounts values ('a', 1.0), ('b', 2.0), ('c', null)")
    warehouse.execute("create view marts.recent as select account_id from marts.accounts where arr > 1")
    warehouse.execute("create table marts.months (month date)")


def test_reader_on_duckdb(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse = DuckDBWarehouse(con)
        _fill(warehouse)
        meta = table_metadata(warehouse, _relations("w"))
    assert meta["model.p.accounts"]["dagster/row_count"].value == 3
    assert meta["model.p.months"]["dagster/row_count"].value == 0  # an empty table is counted, as 0
    assert "dagster/row_count" not in meta["model.p.recent"]
    columns = meta["model.p.accounts"]["dagster/column_schema"].schema.columns
    assert [(c.name, c.type, c.description) for c in columns] == [("account_id", "varchar", "The account"),
                                                                 ("arr", "double", None)]
    assert [c.name for c in meta["model.p.recent"]["dagster/column_schema"].schema.columns] == ["account_id"]


def test_reader_on_snowflake():
    fakesnow = pytest.importorskip("fakesnow")
    import snowflake.connector

    with fakesnow.patch(), snowflake.connector.connect(database="DB", schema="PUBLIC") as conn:
        conn.cursor().execute("create database if not exists DB")
        warehouse = SnowflakeWarehouse(conn)
        _fill(warehouse)
        meta = table_metadata(warehouse, _relations("DB"))
    assert meta["model.p.accounts"]["dagster/row_count"].value == 3
    assert meta["model.p.months"]["dagster/row_count"].value == 0
    columns = meta["model.p.accounts"]["dagster/column_schema"].schema.columns
    assert [c.name for c in columns] == ["account_id", "arr"]  # Snowflake's upper case, shown as in the model
    assert columns[0].description == "The account" and columns[0].type.startswith(("varchar", "text"))


# --- the event stream -----------------------------------------------------------------------


MANIFEST = {"nodes": {
    "model.p.accounts": {"relation_name": "marts.accounts", "schema": "marts", "alias": "accounts", "name": "accounts",
                         "config": {"materialized": "table"}, "columns": {}},
}}


def _events():
    yield dg.Output(None, output_name="marts__accounts", metadata={"unique_id": "model.p.accounts"})
    yield dg.AssetCheckResult(asset_key=dg.AssetKey(["marts", "accounts"]), check_name="unique_account_id", passed=True)


def _connect_to(path):
    @contextmanager
    def connect():
        with duckdb.connect(str(path)) as con:
            yield DuckDBWarehouse(con)
    return connect


def test_events_keep_dbt_order_and_the_built_models_are_reported_when_dbt_fails(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _fill(DuckDBWarehouse(con))
    released = []
    out = list(with_table_metadata(_events(), MANIFEST, _connect_to(tmp_path / "w.duckdb"), lambda: released.append(1)))
    assert [type(e).__name__ for e in out] == ["Output", "AssetCheckResult"] and released == [1]
    assert out[0].metadata["dagster/row_count"].value == 3

    def failing():
        yield from _events()
        raise RuntimeError("dbt exited with 1")

    stream = with_table_metadata(failing(), MANIFEST, _connect_to(tmp_path / "w.duckdb"))
    first = next(stream)
    assert first.metadata["dagster/row_count"].value == 3  # the model dbt did build is still recorded
    with pytest.raises(RuntimeError, match="exited with 1"):
        list(stream)


def test_an_unreadable_warehouse_never_fails_the_step(tmp_path):
    @contextmanager
    def broken():
        raise OSError("warehouse is gone")
        yield

    out = list(with_table_metadata(_events(), MANIFEST, broken))
    assert len(out) == 2 and "dagster/row_count" not in out[0].metadata
