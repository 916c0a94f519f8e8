"""The `prod` (Snowflake) code path, exercised offline.

The Snowflake load/query path runs against fakesnow's server (the in-process
patch does not reach ibis); dbt parses the project with the `prod` target and
dummy credentials; definitions build for `prod` without any credentials, since
those are `EnvVar`s resolved only when a run starts.
"""

from __future__ import annotations

import json
import os
import subprocess

import dagster as dg
import pandas as pd
import pytest
from dagster_snowflake import SnowflakeResource

from customer_usage.dbt.project import dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.warehouse import SnowflakeWarehouse, WarehouseResource
from customer_usage_tests.helpers import environment, local_settings
from customer_usage_tests.helpers import fakesnow_server

fakesnow = pytest.importorskip("fakesnow", reason="fakesnow[server] is a dev dependency (pip install -e '.[dev]')")

DATABASE = "CUSTOMER_USAGE_TEST"
DUMMY_SNOWFLAKE_ENV = {
    "SNOWFLAKE_ACCOUNT": "dummy-account",
    "SNOWFLAKE_USER": "dummy-user",
    "SNOWFLAKE_PASSWORD": "dummy-password",
    "SNOWFLAKE_ROLE": "dummy_role",
    "SNOWFLAKE_DATABASE": "dummy_db",
    "SNOWFLAKE_WAREHOUSE": "dummy_wh",
}


@pytest.fixture(scope="module")
def snowflake_warehouse():
    """`WarehouseResource(target="prod")` wired to a fakesnow server for this module."""
    with fakesnow_server() as conn_kwargs:
        extra = {k: v for k, v in conn_kwargs.items() if k not in ("account", "user", "password")}
        resource = WarehouseResource(
            target="prod",
            snowflake=SnowflakeResource(
                account=conn_kwargs["account"],
                user=conn_kwargs["user"],
                password=conn_kwargs["password"],
                database=DATABASE,
                additional_snowflake_connection_args=extra,
            ),
        )
        with resource.connect() as wh:
            wh.execute(f"create database if not exists {DATABASE}")
        yield resource


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [3, 1, 2],
            "name": ["Acme", None, "Émile & Co"],
            "mrr": [12.5, None, 0.0],
            "is_deleted": [False, True, False],
            "created_date": pd.to_datetime(["2024-01-31 23:59:59", "2023-06-01 00:00:00", None]),
        }
    )


def test_snowflake_write_and_read_round_trip(snowflake_warehouse):
    with snowflake_warehouse.connect() as wh:
        assert isinstance(wh, SnowflakeWarehouse) and wh.dialect == "snowflake"
        assert wh.write_df(_frame(), "raw_sfdc", "account") == 3
        assert wh.table_exists("raw_sfdc", "account")
        assert not wh.table_exists("raw_sfdc", "no_such_table")
        assert wh.row_count("raw_sfdc", "account") == 3

        rows = wh.fetch_all("select id, name, mrr, is_deleted from raw_sfdc.account order by id")
        assert rows == [(1, None, None, True), (2, "Émile & Co", 0.0, False), (3, "Acme", 12.5, False)]
        stamp = wh.fetch_one("select created_date from raw_sfdc.account where id = 3")[0]
        assert pd.Timestamp(stamp) == pd.Timestamp("2024-01-31 23:59:59")
        # fakesnow's server renders a NULL timestamp as 1970-01-01, so ask the engine.
        assert wh.fetch_one("select count(*) from raw_sfdc.account where created_date is null") == (1,)

        types = dict(
            wh.fetch_all(
                "select lower(column_name), lower(data_type) from information_schema.columns "
                "where lower(table_schema) = 'raw_sfdc' and lower(table_name) = 'account'"
            )
        )
        assert types["id"] == "number"
        assert types["mrr"] == "float"
        assert types["is_deleted"] == "boolean"
        assert types["created_date"].startswith("timestamp")
        assert types["name"] == "text"

        df = wh.fetch_df("select * from raw_sfdc.account order by id")
        assert list(df.columns) == ["id", "name", "mrr", "is_deleted", "created_date"]


def test_snowflake_write_replaces_the_table(snowflake_warehouse):
    """Reloading a source replaces its rows: re-running gives the same result."""
    with snowflake_warehouse.connect() as wh:
        wh.write_df(_frame(), "raw_zuora", "account")
        wh.write_df(_frame().head(1), "raw_zuora", "account")
        assert wh.row_count("raw_zuora", "account") == 1


def test_snowflake_ibis_backend_reads_the_same_connection(snowflake_warehouse):
    """pandera's ibis backend validates in the warehouse through this handle."""
    with snowflake_warehouse.connect() as wh:
        wh.write_df(_frame(), "raw_license_db", "licenses")
        con = wh.ibis()
        # Snowflake folds unquoted names to upper case and ibis quotes what it is
        # given, so the stored (upper-case) names are the ones to ask for.
        table = con.table("LICENSES", database=(DATABASE, "RAW_LICENSE_DB"))
        assert table.count().execute() == 3
        columns = {c.lower(): c for c in table.columns}
        assert set(columns) == {"id", "name", "mrr", "is_deleted", "created_date"}
        assert table.filter(table[columns["is_deleted"]]).count().execute() == 1


def test_dbt_parses_the_prod_target_offline(tmp_path):
    """`dbt parse --target prod` needs no Snowflake: dummy credentials, temp target path."""
    target_path = tmp_path / "target"
    env = {
        **os.environ,
        **DUMMY_SNOWFLAKE_ENV,
        "CUSTOMER_USAGE_DBT_TARGET": "prod",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            dbt_executable(), "parse", "--no-partial-parse",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target", "prod", "--target-path", str(target_path), "--log-path", str(tmp_path / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"dbt parse --target prod failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    manifest = json.loads((target_path / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert any(m["name"] == "stg_sfdc__account" for m in models)
    # Custom schemas stay exactly the layer names on Snowflake too (generate_schema_name).
    assert {m["schema"] for m in models} <= {"staging", "intermediate", "marts", "exports"}
    assert all(m["database"] == DUMMY_SNOWFLAKE_ENV["SNOWFLAKE_DATABASE"] for m in models)


def test_definitions_build_for_prod_without_credentials(tmp_path):
    """Credentials are `EnvVar`s: building `prod` definitions needs none of them set."""
    from customer_usage.definitions import build_definitions

    unset = {name: None for name in DUMMY_SNOWFLAKE_ENV}
    with environment(**local_settings(tmp_path), **unset):
        local_keys = set(build_definitions(Settings.from_env()).resolve_asset_graph().get_all_asset_keys())
    with environment(**{**local_settings(tmp_path), **unset, "CUSTOMER_USAGE_TARGET": "prod"}):
        settings = Settings.from_env()
        assert settings.target == "prod" and settings.dbt_target == "prod"
        defs = build_definitions(settings)
        graph = defs.resolve_asset_graph()

    # One code path, two warehouses: the same assets on both targets.
    assert set(graph.get_all_asset_keys()) == local_keys
    warehouse = defs.resources["warehouse"]
    assert isinstance(warehouse, WarehouseResource) and warehouse.target == "prod"
    assert isinstance(warehouse.snowflake, SnowflakeResource)
    assert defs.resources["dbt"].target == "prod"
    # Snowflake takes concurrent writers; the local DuckDB file does not.
    assert defs.executor.name == dg.multiprocess_executor.name


def test_prod_warehouse_without_snowflake_says_what_is_missing():
    with pytest.raises(dg.DagsterInvariantViolationError, match="SNOWFLAKE_"):
        with WarehouseResource(target="prod").connect():
            pass
