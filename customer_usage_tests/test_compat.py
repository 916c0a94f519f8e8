"""Dagster and dbt-duckdb internals live behind one wall, written for pinned versions.

An upgrade of either library fails here first, with a message pointing at
`customer_usage/compat.py`, instead of breaking several modules at once.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import customer_usage
from customer_usage import compat

PACKAGE = Path(customer_usage.__file__).parent


def test_dagster_is_the_version_compat_was_written_for():
    installed = importlib.metadata.version("dagster")
    assert installed == compat.WRITTEN_FOR["dagster"], (
        f"dagster {installed} is installed; customer_usage/compat.py uses Dagster internals written for "
        f"{compat.WRITTEN_FOR['dagster']}: re-check every import there, then update WRITTEN_FOR"
    )


def test_dbt_duckdb_is_the_version_compat_was_written_for():
    installed = importlib.metadata.version("dbt-duckdb")
    assert installed.startswith(compat.WRITTEN_FOR["dbt-duckdb"] + "."), (
        f"dbt-duckdb {installed} is installed; customer_usage/compat.py reaches into "
        f"DuckDBConnectionManager._ENV/_LOCK as of {compat.WRITTEN_FOR['dbt-duckdb']}: re-check, then update WRITTEN_FOR"
    )
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    assert hasattr(DuckDBConnectionManager, "_ENV") and hasattr(DuckDBConnectionManager, "_LOCK")


def test_no_module_outside_compat_imports_dagster_internals():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "compat.py" or path.parent != PACKAGE
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bdagster\._", line)
    ]
    assert offenders == [], "Dagster internals outside customer_usage/compat.py: " + ", ".join(offenders)


def test_no_module_outside_compat_touches_dbt_duckdb_internals():
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "compat.py" and re.search(r"DuckDBConnectionManager\._", path.read_text())
    ]
    assert offenders == []


def test_dbt_starts_without_an_in_process_adapter_or_a_version_subprocess(monkeypatch):
    """The dbt resource skips what only dagster-dbt's per-model metadata fetching needed."""
    import dagster_dbt.core.resource as dbt_resource_module
    from dagster_dbt import DbtCliResource

    from customer_usage.dbt.project import dbt_executable
    from customer_usage.settings import DBT_PROJECT_DIR

    installed = importlib.metadata.version("dagster-dbt")
    assert installed == compat.WRITTEN_FOR["dagster-dbt"], (
        f"dagster-dbt {installed} is installed; compat.dbt_cli_without_adapter overrides its private "
        f"`_cli_version`/`_initialize_dbt_core_adapter` as of {compat.WRITTEN_FOR['dagster-dbt']}: re-check"
    )
    assert hasattr(DbtCliResource, "_initialize_dbt_core_adapter") and hasattr(DbtCliResource, "_cli_version")

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dbt_resource_module, "check_output", no_subprocess)
    resource = compat.dbt_cli_without_adapter(project_dir=str(DBT_PROJECT_DIR), target="local",
                                              dbt_executable=dbt_executable())
    assert isinstance(resource, DbtCliResource)
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
