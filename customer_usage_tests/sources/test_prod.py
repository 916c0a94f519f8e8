"""`prod`: the sources as observable Snowflake tables, and the optional file load into
Snowflake, both against a fakesnow server (fakesnow's in-process patch does not reach ibis).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster_snowflake import SnowflakeResource

from customer_usage.settings import Settings
from customer_usage.sources.contract import load_contract
from customer_usage.sources.definitions import build_source_defs
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.helpers import environment, write_landing
from customer_usage_tests.sources.runner import (
    check_results,
    failure_messages,
    materialized,
    run,
    source_definitions,
)
from customer_usage_tests.sources.sample_landing import EXPECTED_COVERAGE, sample_tables
from customer_usage_tests.helpers import fakesnow_server

fakesnow = pytest.importorskip("fakesnow", reason="fakesnow[server] is a dev dependency")

DATABASE = "CUSTOMER_USAGE_SOURCES_TEST"


def prod_env(landing: Path, load_files: bool) -> dict[str, str | None]:
    return {
        "CUSTOMER_USAGE_TARGET": "prod",
        "CUSTOMER_USAGE_LANDING_DIR": str(landing),
        "CUSTOMER_USAGE_PROD_LOAD_FILES": "true" if load_files else None,
    }


@pytest.fixture(scope="module")
def snowflake(tmp_path_factory):
    with fakesnow_server() as kw:
        extra = {k: v for k, v in kw.items() if k not in ("account", "user", "password")}
        resource = WarehouseResource(target="prod", snowflake=SnowflakeResource(
            account=kw["account"], user=kw["user"], password=kw["password"], database=DATABASE,
            additional_snowflake_connection_args=extra))
        with resource.connect() as wh:
            wh.execute(f"create database if not exists {DATABASE}")
        yield resource


@pytest.fixture(scope="module")
def loaded_into_snowflake(snowflake, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod_load")
    tables = sample_tables()
    tables["gitlab_dotcom/namespaces"] = tables["gitlab_dotcom/namespaces"].iloc[[0, 1, 2, 3, 4, 0]]
    write_landing(tmp / "landing", tables)
    defs = source_definitions(prod_env(tmp / "landing", load_files=True), warehouse=snowflake)
    return defs, run(defs, " or ".join(f"group:{s}" for s in sorted({t.system for t in load_contract()})))


def test_prod_definitions_build_without_credentials(tmp_path):
    with environment(**prod_env(tmp_path, load_files=False)):
        defs = build_source_defs(Settings.from_env())
    defs = dg.Definitions.merge(defs, dg.Definitions(resources={"warehouse": WarehouseResource(target="prod")}))
    graph = defs.resolve_asset_graph()
    for spec in load_contract():
        node = graph.get(dg.AssetKey(spec.asset_key))
        assert node.is_observable and not node.is_materializable
        assert node.group_name == spec.system and node.kinds == {"snowflake"}
        assert node.freshness_policy is not None
        assert "dagster/column_schema" in node.metadata


def test_observing_records_row_count_and_data_version(snowflake, loaded_into_snowflake, tmp_path):
    lenient = tmp_path / "thresholds.yml"
    lenient.write_text("defaults: {warn: 0.0, error: 0.0}\n")
    env = {**prod_env(tmp_path, load_files=False), "CUSTOMER_USAGE_COVERAGE_THRESHOLDS": str(lenient)}
    zuora = [f"zuora/{s.table}" for s in load_contract() if s.system == "zuora"]
    result = run(source_definitions(env, warehouse=snowflake), zuora[:2])
    assert result.success, failure_messages(result)
    observations = {e.event_specific_data.asset_observation.asset_key.to_user_string():
                    e.event_specific_data.asset_observation
                    for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"}
    assert set(observations) == set(zuora[:2])  # the per-system observer can observe a subset
    account = observations["zuora/account"]
    assert account.metadata["dagster/row_count"].value == len(sample_tables()["zuora/account"])
    assert account.tags["dagster/data_version"].startswith("6@")
    # The contract checks run on the observed Snowflake tables too.
    assert check_results(result)[("zuora/account", "contract")].passed


def test_loading_files_into_snowflake_types_and_quarantines(snowflake, loaded_into_snowflake):
    _, result = loaded_into_snowflake
    namespaces = materialized(result)["gitlab_dotcom/namespaces"]
    assert (namespaces["rows_read"], namespaces["rows_loaded"], namespaces["rows_quarantined"]) == (6, 5, 1)
    with snowflake.connect() as wh:
        types = dict(wh.fetch_all(
            "select lower(column_name), data_type from information_schema.columns "
            "where table_schema = 'RAW_ZUORA' and table_name = 'SUBSCRIPTION'"))
        reasons = wh.fetch_all("select _rejection_reason from quarantine.gitlab_dotcom__namespaces")
        assert wh.row_count("raw_gitlab_dotcom", "namespaces") == 5
    assert types["version"] == "NUMBER" and types["created_date"] == "TIMESTAMP_NTZ"
    assert types["subscription_start_date"] == "DATE" and types["deleted"] == "BOOLEAN"
    assert reasons == [("duplicate primary key id=1 (kept the row with the latest updated_at)",)]


def test_contract_and_coverage_checks_run_in_snowflake(loaded_into_snowflake):
    _, result = loaded_into_snowflake
    checks = check_results(result)
    assert all(e.passed for (key, name), e in checks.items() if name == "contract")
    evaluated = {name[len("coverage_"):]: (e.metadata["numerator"].value, e.metadata["denominator"].value)
                 for (key, name), e in checks.items() if name.startswith("coverage_")}
    # Checks downstream of a blocking failure do not run; those that ran agree with DuckDB.
    assert evaluated and all(EXPECTED_COVERAGE[m] == v for m, v in evaluated.items())
    assert evaluated["billing_accounts_with_crm_account"] == (3, 4)  # recursive merge chain on Snowflake
