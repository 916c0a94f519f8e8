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
