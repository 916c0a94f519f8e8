"""Test helpers shared by every area: write a landing folder, build and run definitions.

Each test gets its own DuckDB file (DuckDB allows one writer per file) and its
own landing folder; nothing here touches the project's data/ folder.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Mapping

import dagster as dg
import duckdb
import pandas as pd

from customer_usage.environment import environment as _environment
from customer_usage.settings import Settings

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


def write_landing(landing_dir: Path, tables: Mapping[str, pd.DataFrame | str], fmt: str = "csv") -> Path:
    """Write `{"zuora/account": frame_or_raw_csv_text, ...}` in the landing layout.

    A string value is written verbatim as the CSV file (for malformed-input tests).
    """
    for name, content in tables.items():
        system, table = name.split("/")
        folder = landing_dir / system
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            (folder / f"{table}.csv").write_text(content)
        elif fmt == "parquet":
            content.to_parquet(folder / f"{table}.parquet", index=False)
        else:
            content.to_csv(folder / f"{table}.csv", index=False)
    return landing_dir


def environment(**values: str | os.PathLike | None):
    """Set environment variables for the block (None unsets), restoring them after."""
    return _environment(values)


def local_settings(tmp_path: Path, landing_dir: Path | None = None, as_of: str | None = None) -> dict[str, str]:
    """Environment for a local run isolated in tmp_path."""
    env = {
        "CUSTOMER_USAGE_TARGET": "local",
        "CUSTOMER_USAGE_LANDING_DIR": str(landing_dir or tmp_path / "landing"),
        "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
    }
    if as_of:
        env["CUSTOMER_USAGE_AS_OF"] = as_of
    return env


def materialize(
    env: Mapping[str, str],
    selection: str | dg.AssetSelection = "*",
    partition_key: str | None = None,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = False,
) -> dg.ExecuteInProcessResult:
    """Build definitions under `env` and materialize `selection` in process."""
    from customer_usage.definitions import build_definitions

    with environment(**env):
        defs = build_definitions(Settings.from_env())
        job = defs.resolve_implicit_global_asset_job_def()
        if isinstance(selection, str):
            selection = dg.AssetSelection.from_string(selection)
        keys = selection.resolve(defs.resolve_asset_graph())
        return job.execute_in_process(
            instance=instance or dg.DagsterInstance.ephemeral(),
            asset_selection=list(keys),
            partition_key=partition_key,
            raise_on_error=raise_on_error,
        )


def query(duckdb_path: str | Path, sql: str) -> pd.DataFrame:
    """Read from a finished run's warehouse file (read-only: no lock held afterwards)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(sql).fetchdf()


def _capture_fakesnow_server():
    """fakesnow's `server()` imports its submodule `fakesnow.server`, which replaces the
    package attribute of the same name: a second `fakesnow.server()` in one process
    then calls a module. Keep the function from before the first call."""
    try:
        import fakesnow
    except ImportError:  # a dev dependency; tests that need it skip without it
        return None
    return fakesnow.server


fakesnow_server = _capture_fakesnow_server()


# The Snowflake database name models are compiled for offline, so fakesnow can run their SQL.
FAKE_DATABASE = "DB"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
