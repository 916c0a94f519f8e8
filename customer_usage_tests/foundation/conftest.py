"""Fixtures of the foundation tests: definitions built once per module, in tmp folders."""

from __future__ import annotations

import json

import pytest

from customer_usage.dbt.project import manifest_path
from customer_usage.settings import Settings
from customer_usage_tests.helpers import environment, local_settings


@pytest.fixture(scope="module")
def local_defs(tmp_path_factory):
    """Definitions for the local target, pointed at an empty tmp landing folder and DuckDB file."""
    from customer_usage.definitions import build_definitions

    tmp = tmp_path_factory.mktemp("foundation_defs")
    (tmp / "landing").mkdir()
    with environment(**local_settings(tmp)):
        return build_definitions(Settings.from_env())


@pytest.fixture(scope="module")
def asset_graph(local_defs):
    return local_defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest(local_defs) -> dict:
    """The dbt manifest the definitions were built from (prepared by `make test`)."""
    return json.loads(manifest_path().read_text())
