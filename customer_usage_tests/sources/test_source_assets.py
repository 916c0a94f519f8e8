"""The source assets in Dagster: every contract table loads (CSV and Parquet), carries
its contract as column schema, a freshness policy and load metadata; file-level
problems fail the asset with a readable message.
"""

from __future__ import annotations

import dagster as dg
import pytest

from customer_usage.sources.contract import load_contract
from customer_usage_tests.helpers import local_settings, query, write_landing
from customer_usage_tests.sources.runner import (
    check_results,
    failure_messages,
    materialized,
    run,
    source_definitions,
)
from customer_usage_tests.sources.sample_landing import sample_tables

ALL_SOURCES = " or ".join(f"group:{s}" for s in sorted({t.system for t in load_contract()}))
LENIENT = {"CUSTOMER_USAGE_COVERAGE_THRESHOLDS": None}


@pytest.fixture(scope="module", params=["csv", "parquet"])
def loaded(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"sources_{request.param}")
    write_landing(tmp / "landing", sample_tables(), fmt=request.param)
    (tmp / "landing" / "zuora" / "accounts_old.csv").write_text("id\n1\n")
    env = local_settings(tmp)
    defs = source_definitions(env)
    return env, defs, run(defs, ALL_SOURCES)


def test_every_contract_table_is_one_asset_in_its_system_group(loaded):
    _, defs, _ = loaded
    graph = defs.resolve_asset_graph()
    for spec in load_contract():
        node = graph.get(dg.AssetKey(spec.asset_key))
        assert node.group_name == spec.system
        assert node.is_materializable and node.kinds == {"duckdb"}
        assert node.pools == {"warehouse_writer"}
        assert node.freshness_policy is not None


def test_every_table_loads_with_counts_that_add_up(loaded):
    env, _, result = loaded
    events = materialized(result)
    tables = sample_tables()
    assert set(events) == {f"{s.system}/{s.table}" for s in load_contract()}
    for name, meta in events.items():
        assert meta["rows_read"] == meta["rows_loaded"] + meta["rows_quarantined"] == len(tables[name])
        assert meta["dagster/row_count"] == meta["rows_loaded"]
    counts = query(env["CUSTOMER_USAGE_DUCKDB_PATH"], "select count(*) from raw_zuora.subscription")
    assert counts.iloc[0, 0] == len(tables["zuora/subscription"])


def test_contract_checks_pass_on_the_loaded_tables(loaded):
    _, _, result = loaded
    checks = check_results(result)
    contract = {k: v for k, v in checks.items() if k[1] == "contract"}
    assert len(contract) == len(load_contract())
    assert all(e.passed for e in contract.values()), [k for k, e in contract.items() if not e.passed]


def test_raw_tables_are_typed_per_contract(loaded):
    env, _, _ = loaded
    types = query(env["CUSTOMER_USAGE_DUCKDB_PATH"],
                  "select column_name, data_type from information_schema.columns "
                  "where table_schema = 'raw_zuora' and table_name = 'subscription'")
    types = dict(zip(types["column_name"], types["data_type"]))
    assert types["version"] == "BIGINT" and types["subscription_start_date"] == "DATE"
    assert types["created_date"] == "TIMESTAMP" and types["auto_renew"] == "BOOLEAN"
    assert types["_source_file"] == "VARCHAR" and types["_loaded_at"] == "TIMESTAMP"


def test_unknown_files_are_reported_in_metadata(loaded):
    _, _, result = loaded
    assert materialized(result)["zuora/account"]["unknown_files"] == ["zuora/accounts_old.csv"]
    assert materialized(result)["sfdc/account"]["unknown_files"] == []


def test_contract_is_the_column_schema(loaded):
    _, defs, _ = loaded
    spec = defs.resolve_assets_def(dg.AssetKey(["zuora", "subscription"])).specs_by_key[dg.AssetKey(["zuora", "subscription"])]
    schema = spec.metadata["dagster/column_schema"]
    by_name = {c.name: c for c in schema.columns}
    assert list(by_name) == [c.name for c in load_contract()[12].columns]
    assert by_name["id"].constraints.unique and not by_name["id"].constraints.nullable
    assert "one of Active, Cancelled, Expired, Draft, Pending Activation" in by_name["status"].constraints.other


def test_missing_column_fails_the_asset_naming_file_table_and_column(tmp_path):
    tables = sample_tables()
    tables["zuora/account"] = tables["zuora/account"].drop(columns=["crm_id"])
    write_landing(tmp_path / "landing", tables)
    result = run(source_definitions(local_settings(tmp_path)), "zuora/account")
    assert not result.success
    message = failure_messages(result)[0]
    assert str(tmp_path / "landing" / "zuora" / "account.csv") in message
    assert "'crm_id'" in message and "zuora.account" in message


def test_duplicate_primary_key_is_reported_naming_file_table_and_column(tmp_path):
    tables = sample_tables()
    tables["zuora/account"] = tables["zuora/account"].iloc[[0, 0, 1]]
    write_landing(tmp_path / "landing", tables)
    result = run(source_definitions(local_settings(tmp_path)), "zuora/account")
    meta = materialized(result)["zuora/account"]
    assert meta["source_file"].endswith("zuora/account.csv")
    assert meta["quarantine_table"] == "quarantine.zuora__account"
    assert meta["rows_quarantined"] == 1
    # Both copies have the same updated_date: the first occurrence is kept.
    assert meta["sample_rejections"][0]["reason"] == (
        "duplicate primary key id=A1 (kept the row with the latest updated_date)")
    assert meta["rejections_by_rule"] == {
        "duplicate primary key id=<key> (kept the row with the latest updated_date)": 1}
