"""Every warehouse connection the platform opens carries the memory limit and spill folder
of the settings (issue 18: a `large` run held 13.9 GB without them): the warehouse's own
connections, a Snowflake load's scratch DuckDB, and the dbt processes of a run."""

from __future__ import annotations

from customer_usage.dbt.assets import duckdb_limits_env
from customer_usage.dbt.project import dbt_env
from customer_usage.environment import environment
from customer_usage.settings import Settings
from customer_usage.warehouse import warehouse_resource_for
from customer_usage.warehouse_basics import DEFAULT_MEMORY_LIMIT


def _settings(tmp_path, **extra) -> Settings:
    return Settings(target="local", landing_dir=tmp_path, duckdb_path=tmp_path / "warehouse.duckdb", as_of=None,
                    **extra)


def _limits(con) -> tuple[str, str]:
    return tuple(con.execute("select current_setting('memory_limit'), current_setting('temp_directory')").fetchone())


def test_a_loading_connection_carries_the_memory_limit_and_spill_folder(tmp_path):
    settings = _settings(tmp_path, duckdb_memory_limit="512MB", duckdb_temp_dir=tmp_path / "spill")
    with warehouse_resource_for(settings).connect() as wh:
        limit, spill = _limits(wh.connection)
        with wh.scratch_duckdb() as scratch:  # where a Snowflake load classifies a file
            scratch_limit, scratch_spill = _limits(scratch)
    assert limit == scratch_limit == "488.2 MiB"  # DuckDB's rendering of 512MB
    assert spill == scratch_spill == str(tmp_path / "spill")


def test_the_spill_folder_defaults_to_beside_the_warehouse_file(tmp_path):
    with warehouse_resource_for(_settings(tmp_path)).connect() as wh:
        limit, spill = _limits(wh.connection)
    assert spill == f"{tmp_path / 'warehouse.duckdb'}.tmp"
    assert limit == "1.3 GiB" and DEFAULT_MEMORY_LIMIT == "1.5GB"  # 1.5 GB (10^9) is 1.3 GiB


def test_the_memory_limit_is_read_from_the_environment(tmp_path):
    with environment({"CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT": "700MB", "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "w.duckdb")}):
        settings = Settings.from_env()
    assert warehouse_resource_for(settings).duckdb_memory_limit == "700MB"


def test_dbt_steps_get_the_settings_limits_as_plain_dbt_does(tmp_path):
    """dagster-dbt starts dbt with the process environment; the run's steps pass the limits
    explicitly, the same values `dbt_env` gives a plain dbt command (so partial parsing holds)."""
    settings = _settings(tmp_path, duckdb_memory_limit="700MB", duckdb_temp_dir=tmp_path / "spill")
    env = duckdb_limits_env(warehouse_resource_for(settings))
    assert env == {"CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT": "700MB", "CUSTOMER_USAGE_DUCKDB_TEMP_DIR": str(tmp_path / "spill")}
    assert env.items() <= dbt_env(settings).items()
    default = duckdb_limits_env(warehouse_resource_for(_settings(tmp_path)))
    assert default.items() <= dbt_env(_settings(tmp_path)).items()
