"""The dbt tests of this area become Dagster asset checks on the right assets."""

from __future__ import annotations

import dagster as dg

from customer_usage.definitions import build_definitions
from customer_usage.settings import Settings
from customer_usage_tests.helpers import environment, local_settings


def test_model_tests_are_asset_checks(tmp_path):
    with environment(**local_settings(tmp_path)):
        defs = build_definitions(Settings.from_env())
        graph = defs.resolve_asset_graph()
    checks = {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    bridge = dg.AssetKey(["marts", "bdg_namespace_order_subscription"])
    assert graph.has(bridge)
    assert any(path == tuple(bridge.path) and name.startswith("accepted_values_") for path, name in checks)
    assert any(path == ("marts", "dim_crm_account") and name.startswith("unique_") for path, name in checks)
    assert any(path == ("staging", "stg_zuora__account") and name.startswith("relationships_") for path, name in checks)
    # staging reads the source assets of every system
    stg = graph.get(dg.AssetKey(["staging", "stg_sfdc__account"]))
    assert dg.AssetKey(["sfdc", "account"]) in stg.parent_keys
