"""Fixtures shared by every test area."""

from __future__ import annotations

import pytest

from customer_usage_tests.helpers import local_settings


@pytest.fixture
def local_env(tmp_path):
    """Environment for a local run with its own landing folder and DuckDB file."""
    env = local_settings(tmp_path)
    (tmp_path / "landing").mkdir()
    return env


@pytest.fixture(scope="session")
def analysis_warehouse(tmp_path_factory) -> dict[str, str]:
    """The hand-made warehouse of analysis_data.py (dashboard and docs-query tests share it);
    returns the environment that points at it. Nothing keeps it open."""
    from customer_usage_tests.analysis_data import build

    return build(tmp_path_factory.mktemp("analysis"))
