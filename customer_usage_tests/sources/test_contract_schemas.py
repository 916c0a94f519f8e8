"""The pandera contract schemas, run in the warehouse through ibis.

pandera 0.35's ibis backend ignores `unique=True`, so uniqueness has its own
check; a duplicate fed straight into the raw table must fail it.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from customer_usage.sources.contract import load_contract, table_spec
from customer_usage.sources.schemas import contract_schema, pandas_schema
from customer_usage.sources.validation import validate_contract
from customer_usage.warehouse import DuckDBWarehouse

SUBSCRIPTION_ROW = ("('S1', 'n', 'A1', null, 'S1', null, 1, 'Active', DATE '2024-01-01', null, null, null, true, "
                    "null, TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01', false)")


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("create schema raw_zuora")
    con.execute("""
        create table raw_zuora.subscription (
            id varchar, name varchar, account_id varchar, invoice_owner_id varchar, original_id varchar,
            previous_subscription_id varchar, version bigint, status varchar, subscription_start_date date,
            subscription_end_date date, term_start_date date, term_end_date date, auto_renew boolean,
            namespace_id bigint, created_date timestamp, updated_date timestamp, deleted boolean)""")
    con.execute(f"insert into raw_zuora.subscription values {SUBSCRIPTION_ROW}")
    yield DuckDBWarehouse(con)
    con.close()


def test_every_table_has_a_schema_with_its_columns():
    for spec in load_contract():
        schema = contract_schema(spec)
        assert list(schema.columns) == list(spec.column_names)
        assert bool(schema.checks) == bool(spec.primary_key)


def test_a_valid_table_passes(warehouse):
    result = validate_contract(warehouse, table_spec("zuora", "subscription"))
    assert result.passed and result.metadata["failure_count"].value == 0


def test_duplicate_primary_key_fails_the_uniqueness_check(warehouse):
    warehouse.execute(f"insert into raw_zuora.subscription values {SUBSCRIPTION_ROW}, {SUBSCRIPTION_ROW}")
    result = validate_contract(warehouse, table_spec("zuora", "subscription"))
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["failures"].value == {"table: primary key (id) is unique": 2}
    assert result.metadata["duplicate_key_sample"].value == ["S1"]


def test_value_rules_fail_with_counts_and_samples(warehouse):
    warehouse.execute("update raw_zuora.subscription set status = 'Paused', version = 0")
    result = validate_contract(warehouse, table_spec("zuora", "subscription"))
    failures = result.metadata["failures"].value
    assert failures["status: isin(['Active', 'Cancelled', 'Expired', 'Draft', 'Pending Activation'])"] == 1
    assert failures["version: greater_than_or_equal_to(1)"] == 1
    assert {"column": "status", "check": "isin(['Active', 'Cancelled', 'Expired', 'Draft', 'Pending Activation'])",
            "value": "Paused"} in result.metadata["sample_failures"].value


def test_wrong_physical_type_fails(warehouse):
    warehouse.execute("alter table raw_zuora.subscription alter version type varchar")
    result = validate_contract(warehouse, table_spec("zuora", "subscription"))
    assert not result.passed and "version: dtype('integer'), found string" in result.metadata["failures"].value


def test_null_in_required_column_fails(warehouse):
    warehouse.execute("update raw_zuora.subscription set account_id = null")
    result = validate_contract(warehouse, table_spec("zuora", "subscription"))
    assert not result.passed and any(k.startswith("account_id: not_nullable") for k in result.metadata["failures"].value)


def test_payload_must_be_a_json_object():
    con = duckdb.connect()
    con.execute("create schema raw_version_db")
    con.execute("""create table raw_version_db.usage_data as select 1::bigint as id, 'u' as uuid, null::varchar as hostname,
        null::bigint as host_id, null::varchar as version, null::varchar as edition, null::varchar as license_md5,
        null::varchar as license_subscription_id, null::bigint as license_user_count, null::bigint as license_billable_users,
        null::bigint as historical_max_users, null::bigint as active_user_count, TIMESTAMP '2024-01-01' as recorded_at,
        TIMESTAMP '2024-01-01' as created_at, p as payload from (values ('{"a": 1}'), ('[1]'), ('{bad}')) v(p)""")
    con.execute("update raw_version_db.usage_data set id = rowid + 1")
    result = validate_contract(DuckDBWarehouse(con), table_spec("version_db", "usage_data"))
    assert result.metadata["failures"].value == {"payload: is a JSON object": 2}


def test_pandas_schema_states_the_same_rules():
    spec = table_spec("zuora", "subscription")
    ibis_schema, pd_schema = contract_schema(spec), pandas_schema(spec)
    assert list(pd_schema.columns) == list(ibis_schema.columns)
    assert pd_schema.columns["id"].unique and not pd_schema.columns["id"].nullable
