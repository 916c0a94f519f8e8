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
def demo_build(tmp_path_factory):
    """The generator's demo data set (default seed), built once per session into a scratch
    warehouse: (landing folder, ground-truth folder, warehouse file). Shared by the
    accuracy command test and the staleness test of docs/integration-challenges.md."""
    from customer_usage.accuracy.scoring import generate_and_build

    work = tmp_path_factory.mktemp("demo_build")
    warehouse, truth = generate_and_build(work, "demo")
    return work / "landing", truth, warehouse


@pytest.fixture(scope="session")
def analysis_warehouse(tmp_path_factory) -> dict[str, str]:
    """The hand-made warehouse of analysis_data.py (dashboard and docs-query tests share it);
    returns the environment that points at it. Nothing keeps it open."""
    from customer_usage_tests.analysis_data import build

    return build(tmp_path_factory.mktemp("analysis"))
