"""Fixtures shared by every test area, and those of the top-level modules' tests (definitions
built once per module, in tmp folders)."""

from __future__ import annotations

import json

import pytest

from customer_usage.dbt.project import manifest_path
from customer_usage.settings import Settings
from customer_usage_tests.helpers import FAKE_DATABASE, environment, local_settings, write_landing

# The suite runs on three pytest-xdist workers (pyproject's addopts: `-n 3 --dist loadfile
# --no-loadscope-reorder`): a file's tests run on one worker, so module fixtures are built once (session fixtures
# once per worker). The slowest files start first, so the end of the run does not wait on
# one of them while the others idle (xdist's own reordering, by test count, is off).
SLOWEST_FIRST = ("test_production_end_to_end.py", "test_main_job.py", "test_dagster_partitions.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        name = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the rest keeps its order


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


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """(summary, duckdb path) of a run over the small landing folder of landing_data."""
    from customer_usage.docs_gen.build import dbt_build, load_sources
    from customer_usage_tests.dbt.landing_data import AS_OF, landing_frames

    tmp = tmp_path_factory.mktemp("model_small")
    landing = write_landing(tmp / "landing", landing_frames(), fmt="parquet")
    env = local_settings(tmp, landing, as_of=AS_OF)
    loaded = load_sources(env)
    assert loaded.success, "loading the small landing folder through the source assets failed"
    summary = dbt_build(env, tmp / "dbt_target")
    return summary, tmp / "warehouse.duckdb"


@pytest.fixture(scope="session")
def small_warehouse(small_build):
    summary, path = small_build
    errors = sorted(k for k, v in summary["status"].items() if v in ("error", "fail"))
    assert summary["returncode"] == 0 and not errors, f"dbt build failed: {errors}\n{summary['log']}"
    return path


@pytest.fixture(scope="session")
def prod_compile(tmp_path_factory):
    """(manifest, target folder) of this area's models compiled for the Snowflake `prod`
    target, offline (database FAKE_DATABASE so fakesnow can run the SQL)."""
    from customer_usage.docs_gen.build import MODELS
    from customer_usage.docs_gen.manifest import compile_for

    target = tmp_path_factory.mktemp("prod_compile")
    manifest = compile_for("prod", target, ["path:models/staging", *MODELS], {"SNOWFLAKE_DATABASE": FAKE_DATABASE})
    return manifest, target
