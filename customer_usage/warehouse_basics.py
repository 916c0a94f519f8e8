"""The warehouse helpers that need no Dagster: checking an identifier before it
reaches SQL, and opening DuckDB with the platform's limits.

`customer_usage.warehouse` re-exports them with its Dagster resources; readers
that only query the DuckDB file (the dashboard) import this module instead,
because importing Dagster and its Snowflake integration costs seconds (measured
7-30 s on a loaded 2-core machine), paid by the dashboard's first visitor.
"""

from __future__ import annotations

import re
from pathlib import Path

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def quote_ident(name: str) -> str:
    """Validate an identifier built from file or table names before it reaches SQL."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a safe SQL identifier")
    return name


# The default of Settings.duckdb_memory_limit (CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT).
DEFAULT_MEMORY_LIMIT = "1.5GB"


def duckdb_config(path: str | Path | None, memory_limit: str = DEFAULT_MEMORY_LIMIT,
                  temp_directory: str | Path | None = None, read_only: bool = False) -> dict[str, str]:
    """The settings every DuckDB connection of the platform opens with.

    Without a limit DuckDB takes up to 80% of the machine's RAM, and a load of
    Service Ping payloads held a `large` run at 13.9 GB; with a limit and a spill
    folder it pages to disk instead. The spill folder defaults to DuckDB's own
    choice for a file (`<file>.tmp`) when writing.
    """
    if temp_directory is None:
        if path and str(path) != ":memory:" and not read_only:
            temp_directory = f"{path}.tmp"
        else:
            # Readers and in-memory connections spill to a folder of their own process:
            # DuckDB removes a spill folder it created when it closes.
            import os
            import tempfile

            temp_directory = Path(tempfile.gettempdir()) / f"customer_usage_duckdb_{os.getpid()}.tmp"
    return {"memory_limit": memory_limit, "temp_directory": str(temp_directory)}


def connect_duckdb(path: str | Path | None = None, *, read_only: bool = False,
                   memory_limit: str = DEFAULT_MEMORY_LIMIT, temp_directory: str | Path | None = None):
    """Open DuckDB (a file, or in memory when `path` is None) with the platform's memory limit."""
    import duckdb

    config = duckdb_config(path, memory_limit, temp_directory, read_only)
    target = str(path) if path else ":memory:"
    try:
        return duckdb.connect(target, read_only=read_only, config=config)
    except duckdb.ConnectionException as exc:
        # The file is already open in this process (e.g. dbt's in-process adapter, or a
        # test's own connection) with other settings: DuckDB shares that instance, and its
        # limits, with every further connection; asking for different ones is an error.
        if "different configuration" not in str(exc):
            raise
        return duckdb.connect(target, read_only=read_only)


def connect_duckdb_for(settings, *, read_only: bool = False, path: str | Path | None = None):
    """`connect_duckdb` with the limits of `settings` (the warehouse file unless `path` is given)."""
    return connect_duckdb(path if path is not None else settings.duckdb_path, read_only=read_only,
                          memory_limit=getattr(settings, "duckdb_memory_limit", DEFAULT_MEMORY_LIMIT),
                          temp_directory=getattr(settings, "duckdb_temp_dir", None))
