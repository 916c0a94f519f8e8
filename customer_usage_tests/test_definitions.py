"""The code location loads and its asset graph has the shape the contract promises.

Keys are part of the interface (data-contract §3, README): source tables are
`[<system>, <table>]`, dbt models `[<schema>, <model>]`, and dbt sources attach
to the Python source assets so the UI shows one lineage from file to mart.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import dagster as dg
import pytest

from customer_usage.settings import SettingsError
from customer_usage.sources.contract import load_contract
from customer_usage_tests.helpers import environment, local_settings

LAYERS = {"staging", "intermediate", "marts", "exports"}


def key(*parts: str) -> dg.AssetKey:
    return dg.AssetKey(list(parts))


def _models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_definitions_serialize_for_the_ui(local_defs):
    """The code server sends the UI a serialized snapshot; a custom automation condition,
    sensor or metadata value that cannot be serialized breaks the whole code location."""
    from dagster._core.remote_representation.external_data import RepositorySnap
    from dagster_shared.serdes import serialize_value

    snapshot = serialize_value(RepositorySnap.from_def(local_defs.get_repository_def()))
    assert "dim_crm_account" in snapshot


def test_settings_are_read_when_definitions_are_built_not_at_import(tmp_path):
    """An unusable setting must not break `import`, only the build, with the variable named."""
    script = "import customer_usage.definitions, customer_usage.settings, customer_usage.warehouse; print('ok')"

    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "CUSTOMER_USAGE_TARGET": "no-such-target", "CUSTOMER_USAGE_AS_OF": "yesterday"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]

    from customer_usage.definitions import build_definitions

    with environment(**{**local_settings(tmp_path), "CUSTOMER_USAGE_TARGET": "no-such-target"}):
        with pytest.raises(SettingsError, match="CUSTOMER_USAGE_TARGET"):
            build_definitions()


@pytest.mark.parametrize("spec", load_contract(), ids=lambda s: f"{s.system}.{s.table}")
def test_every_contract_table_is_a_materializable_source_asset(asset_graph, spec):
    asset_key = dg.AssetKey(spec.asset_key)
    assert asset_graph.has(asset_key), f"no asset {asset_key.to_user_string()} for landing table {spec.system}/{spec.table}"
    node = asset_graph.get(asset_key)
    assert node.is_materializable, f"{asset_key.to_user_string()} is only an external stub: nothing loads it"
    assert node.group_name == spec.system


def test_dbt_sources_attach_to_the_python_source_assets(asset_graph, manifest):
    """Every dbt source resolves to a loaded asset, so lineage starts at the landing file."""
    sources = list(manifest["sources"].values())
    assert sources, "the dbt manifest has no sources"
    stubs = [
        f"{s['source_name']}.{s['name']}"
        for s in sources
        if not asset_graph.has(key(s["source_name"], s["name"]))
        or not asset_graph.get(key(s["source_name"], s["name"])).is_materializable
    ]
    assert not stubs, f"dbt sources without a Python source asset: {stubs}"


def test_every_dbt_model_is_keyed_by_schema_and_grouped_by_layer(asset_graph, manifest):
    models = _models(manifest)
    assert models, "the dbt manifest has no models"
    for model in models:
        schema = model["config"]["schema"]
        assert schema in LAYERS, f"model {model['name']} is in schema {schema!r}, not one of {sorted(LAYERS)}"
        asset_key = key(schema, model["name"])
        assert asset_graph.has(asset_key), f"model {model['name']} has no asset {asset_key.to_user_string()}"
        assert asset_graph.get(asset_key).group_name == schema


@pytest.mark.parametrize(
    "chain",
    [
        [("sfdc", "account"), ("staging", "stg_sfdc__account"), ("marts", "dim_crm_account")],
        [("zuora", "account"), ("staging", "stg_zuora__account"), ("marts", "dim_billing_account")],
        # The billing account's CRM id is resolved through Salesforce merges.
        [("sfdc", "account"), ("marts", "dim_billing_account")],
        [("zuora", "subscription"), ("staging", "stg_zuora__subscription"), ("marts", "dim_subscription")],
        [("version_db", "usage_data"), ("staging", "stg_version_db__usage_data"), ("marts", "fct_ping")],
    ],
    ids=lambda chain: " -> ".join(part[1] for part in chain),
)
def test_lineage_runs_from_source_through_staging_to_mart(asset_graph, chain):
    keys = [key(*part) for part in chain]
    for asset_key in keys:
        assert asset_graph.has(asset_key), f"missing asset {asset_key.to_user_string()}"
    for upstream, downstream in zip(keys, keys[1:]):
        ancestors = asset_graph.get_ancestor_asset_keys(downstream)
        assert upstream in ancestors, (
            f"{downstream.to_user_string()} does not depend on {upstream.to_user_string()}"
        )
    # The first hop from a raw table is always a staging model.
    staging = keys[1]
    if staging.path[0] == "staging":
        assert keys[0] in asset_graph.get(staging).parent_keys


def test_marts_read_staging_not_raw_tables(manifest):
    """Layering: only staging models select from sources (the `as_of_date()` macro may read
    the ping table for the default reporting date; that is not the model's own SQL)."""
    offenders = [
        m["name"]
        for m in _models(manifest)
        if m["config"]["schema"] != "staging" and re.search(r"\bsource\s*\(", m["raw_code"])
    ]
    assert not offenders, f"models outside staging read raw sources directly: {offenders}"


def test_source_assets_carry_blocking_contract_checks(asset_graph):
    """Every loaded source table has its pandera `contract` check, and it blocks downstream models."""
    problems = []
    for spec in load_contract():
        check_key = dg.AssetCheckKey(dg.AssetKey(spec.asset_key), "contract")
        if check_key not in set(asset_graph.asset_check_keys):
            problems.append(f"{spec.system}.{spec.table}: no `contract` check")
        elif not asset_graph.get_check_spec(check_key).blocking:
            problems.append(f"{spec.system}.{spec.table}: `contract` check does not block")
    assert not problems, problems


def test_dbt_tests_become_asset_checks(asset_graph, manifest):
    """Each dbt test on a model is an asset check on that model's asset."""
    models = {m["unique_id"]: m for m in _models(manifest)}
    tests = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("attached_node") in models
    ]
    assert tests, "the dbt project has no tests attached to models"
    all_checks = set(asset_graph.asset_check_keys)
    missing = []
    for test in tests:
        model = models[test["attached_node"]]
        check = dg.AssetCheckKey(key(model["config"]["schema"], model["name"]), test["name"])
        if check not in all_checks:
            missing.append(f"{test['name']} on {model['name']}")
    assert not missing, f"dbt tests that are not asset checks: {missing}"


@pytest.mark.parametrize(
    "mart, column",
    [("dim_crm_account", "dim_crm_account_id"), ("dim_billing_account", "dim_billing_account_id")],
)
def test_mart_keys_are_checked_unique(asset_graph, mart, column):
    checks = {c.name for c in asset_graph.get(key("marts", mart)).check_keys}
    assert any(name.startswith("unique_") and column in name for name in checks), (
        f"marts.{mart} has no unique check on {column}; its checks: {sorted(checks)}"
    )
