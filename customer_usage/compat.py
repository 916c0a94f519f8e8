"""The one wall behind which the project touches Dagster and dbt-duckdb internals.

Every name imported here from `dagster._…` (or reached inside dbt-duckdb) is
private: it may move or change in any release. Keeping them in one module means
an upgrade breaks here, and `customer_usage_tests/test_compat.py` pins the
versions this was written for so the failure says so in one clear message.
Each import carries a line saying why the public API does not suffice.
"""

from __future__ import annotations

# Versions these internals were written and tested against (pinned in pyproject.toml).
WRITTEN_FOR = {"dagster": "1.13.27", "dbt-duckdb": "1.11", "dagster-dbt": "0.29.27"}

# Custom automation conditions: the public API composes conditions but offers no
# base class for one computed from our own question (a run in progress, a check's
# severity); `SubsetAutomationCondition` + `@record` is how Dagster's own are built.
from dagster._core.asset_graph_view.entity_subset import EntitySubset  # noqa: E402
from dagster._core.definitions.declarative_automation.automation_context import (  # noqa: E402
    AutomationContext,
)
from dagster._core.definitions.declarative_automation.operands.subset_automation_condition import (  # noqa: E402
    SubsetAutomationCondition,
)
from dagster._record import record  # noqa: E402

# `dg.AutomationCondition.__or__` builds this class; subclassing it is the only way
# to change how an OR is serialized (evaluated in the code server, see conditions.py).
from dagster._core.definitions.declarative_automation.operators.boolean_operators import (  # noqa: E402
    OrAutomationCondition,
)

# Reading a check's latest result and resolved status: no public accessor returns
# the severity of a failed check evaluated in another run.
from dagster._core.storage.asset_check_execution_record import (  # noqa: E402
    AssetCheckExecutionRecord,
    AssetCheckExecutionResolvedStatus,
)

# The statuses Dagster itself counts as "in progress" (queued through canceling);
# there is no public constant, and copying the list would drift from Dagster's.
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES  # noqa: E402

# The asset graph handed to sensors (`context.repository_def.asset_graph`) has no
# public type to annotate with.
from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph  # noqa: E402


def executable_in_same_run(*, asset_graph, child_key, parent_key) -> bool:
    """Whether two assets can run in one run (same partitioning, same backfill policy).

    Dagster's own automation uses this rule for `will_be_requested`; there is no
    public equivalent, and re-deriving it would drift from what the daemon does.
    Imported lazily, as the module is heavy and only the automation sensor needs it.
    """
    from dagster._core.definitions.assets.graph.asset_graph import (
        executable_in_same_run as _executable_in_same_run,
    )

    return _executable_in_same_run(asset_graph=asset_graph, child_key=child_key, parent_key=parent_key)


def release_dbt_duckdb_connection() -> None:
    """Close the DuckDB connection dbt-duckdb caches for the life of the process.

    dbt-duckdb keeps its environment in the class attribute `_ENV` (guarded by
    `_LOCK`) and offers no public way to close it; an in-process dbt invocation
    would otherwise keep the file open with its own configuration.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if env is not None:
        env.close()


def dbt_cli_without_adapter(**fields):
    """A `DbtCliResource` that starts dbt without first opening dbt in-process.

    Before every `dbt build`, `DbtCliResource.cli()` runs `dbt --version` in a
    subprocess (`_cli_version`) and loads the profile, project and macros into an
    in-process dbt adapter (`_initialize_dbt_core_adapter`): 2-23 s per step on a
    loaded 2-core machine, before dbt itself starts. The adapter serves only
    `fetch_row_counts()`/`fetch_column_metadata()`, which customer_usage/dbt/
    table_metadata.py replaces with two queries per step, and the version is the
    dbt-core installed beside this interpreter. There is no public switch for
    either; both are private members of dagster-dbt's resource.
    """
    import functools
    import importlib.metadata
    import sys
    from pathlib import Path

    from dagster_dbt import DbtCliResource
    from packaging import version

    class DbtCliWithoutAdapter(DbtCliResource):
        def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (dagster-dbt's signature)
            return None

        @functools.cached_property
        def _cli_version(self):
            here = Path(sys.executable).with_name("dbt")
            if Path(self.dbt_executable) == here:
                return version.parse(importlib.metadata.version("dbt-core"))
            return DbtCliResource._cli_version.func(self)  # another dbt: ask it

    return DbtCliWithoutAdapter(**fields)


__all__ = [
    "WRITTEN_FOR",
    "AssetCheckExecutionRecord",
    "AssetCheckExecutionResolvedStatus",
    "AutomationContext",
    "BaseAssetGraph",
    "EntitySubset",
    "IN_PROGRESS_RUN_STATUSES",
    "OrAutomationCondition",
    "SubsetAutomationCondition",
    "executable_in_same_run",
    "dbt_cli_without_adapter",
    "record",
    "release_dbt_duckdb_connection",
]
