"""Build the small landing folder of landing_data once per session: the real source
assets load it, then `dbt build` runs staging and this area's models with their tests."""

from __future__ import annotations

import duckdb
import pytest

from customer_usage.docs_gen.build import MODELS, dbt_build, load_sources
from customer_usage.docs_gen.manifest import compile_for
from customer_usage_tests.helpers import local_settings, write_landing
from customer_usage_tests.model.landing_data import AS_OF, landing_frames

MODEL_KEYS = [["intermediate" if m.startswith(("int_", "map_")) else "marts", m] for m in MODELS]


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """(summary, duckdb path) of a run over the small landing folder of landing_data."""
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


def q(path, sql: str):
    """Query the built warehouse read-only (the build ran in another process)."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchdf()


FAKE_DATABASE = "DB"


@pytest.fixture(scope="session")
def prod_compile(tmp_path_factory):
    """(manifest, target folder) of this area's models compiled for the Snowflake `prod`
    target, offline (database FAKE_DATABASE so fakesnow can run the SQL)."""
    target = tmp_path_factory.mktemp("prod_compile")
    manifest = compile_for("prod", target, ["path:models/staging", *MODELS], {"SNOWFLAKE_DATABASE": FAKE_DATABASE})
    return manifest, target
