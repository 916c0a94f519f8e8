"""Run-time settings (data-contract §1).

Read from the environment when definitions are built or a command runs, never at
import, so that one installed package serves both the local DuckDB target and
Snowflake, and tests can point every setting at a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from customer_usage.warehouse_basics import DEFAULT_MEMORY_LIMIT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_LANDING_DIR = DATA_DIR / "landing"
DEFAULT_DUCKDB_PATH = DATA_DIR / "warehouse.duckdb"

TARGETS = ("local", "prod")
# The first monthly partition. Early enough for any realistic extract (GitLab's own
# Service Ping data starts in 2017); `customer-usage run` builds only the months
# from the first month with data, so the empty years before cost nothing.
DEFAULT_PARTITIONS_START = dt.date(2010, 1, 1)


class SettingsError(ValueError):
    """A setting has a value the platform cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    target: str
    landing_dir: Path
    duckdb_path: Path
    as_of: dt.date | None
    partitions_start: dt.date = DEFAULT_PARTITIONS_START
    coverage_thresholds_path: Path | None = None  # None: customer_usage/checks/coverage_thresholds.yml
    metric_definitions_dir: Path | None = None  # GitLab's metric definition files (optional cross-check)
    # Exports (customer_usage/exports): retry limit, failure-rate alert, sync history, dry-run preview.
    export_park_after_failures: int = 5
    export_max_failure_rate: float = 0.2
    export_history_days: int = 90
    export_preview_rows: int = 20
    export_mappings_dir: Path | None = None  # None: the mappings shipped in customer_usage/exports/mappings
    # Every local DuckDB connection (loading, checks, exports, dashboard, dbt) gets this memory
    # limit and spills to this folder past it (None: `<warehouse file>.tmp`, DuckDB's own default).
    # 1.5GB: a dbt step is this process (~0.6 GB) + dbt's (~0.4 GB) + its DuckDB, so a whole
    # run stays within 3 GiB (issue 18's goal for `large`); raise it on a bigger machine.
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT
    duckdb_temp_dir: Path | None = None
    # prod only: load the landing files into Snowflake instead of observing raw tables an EL tool fills
    prod_load_files: bool = False
    # How often the sensors (arrival, automation, export) look for work; None: each sensor's
    # own default (15 s arrival, 30 s automation and export). Lower it for a demo or a test.
    sensor_interval_seconds: int | None = None
    # benchmarks (benchmarks/): existing extracts / warehouse to measure instead of generated ones
    bench_landing_dir: Path | None = None
    bench_warehouse: Path | None = None

    @property
    def is_local(self) -> bool:
        return self.target == "local"

    @property
    def dbt_target(self) -> str:
        return "prod" if self.target == "prod" else "local"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        target = env.get("CUSTOMER_USAGE_TARGET", "local").strip().lower() or "local"
        if target not in TARGETS:
            raise SettingsError(
                f"CUSTOMER_USAGE_TARGET={target!r} is not one of {', '.join(TARGETS)}"
            )
        as_of = _date_setting(env, "CUSTOMER_USAGE_AS_OF")
        partitions_start = _date_setting(env, "CUSTOMER_USAGE_PARTITIONS_START") or DEFAULT_PARTITIONS_START
        if partitions_start.day != 1:
            raise SettingsError(
                f"CUSTOMER_USAGE_PARTITIONS_START={partitions_start.isoformat()!r} must be the first day of a month"
            )
        return cls(
            **_export_settings(env),
            target=target,
            landing_dir=Path(env.get("CUSTOMER_USAGE_LANDING_DIR") or DEFAULT_LANDING_DIR).resolve(),
            duckdb_path=Path(env.get("CUSTOMER_USAGE_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH).resolve(),
            as_of=as_of,
            partitions_start=partitions_start,
            coverage_thresholds_path=_path_setting(env, "CUSTOMER_USAGE_COVERAGE_THRESHOLDS"),
            metric_definitions_dir=_path_setting(env, "CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR"),
            duckdb_memory_limit=_memory_limit(env),
            duckdb_temp_dir=_path_setting(env, "CUSTOMER_USAGE_DUCKDB_TEMP_DIR"),
            sensor_interval_seconds=_number(env, "CUSTOMER_USAGE_SENSOR_INTERVAL_SECONDS", None, int, 1, 86400),
            prod_load_files=env.get("CUSTOMER_USAGE_PROD_LOAD_FILES", "").strip().lower() in ("1", "true", "yes"),
            bench_landing_dir=_path_setting(env, "CUSTOMER_USAGE_BENCH_LANDING_DIR"),
            bench_warehouse=_path_setting(env, "CUSTOMER_USAGE_BENCH_WAREHOUSE"),
        )

    @property
    def loads_landing_files(self) -> bool:
        """Source assets load the landing folder (local, or prod with `prod_load_files`)."""
        return self.is_local or self.prod_load_files


def _number(env, name: str, default, kind, low, high):
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a {kind.__name__}") from exc
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} must be between {low} and {high}")
    return value


_MEMORY_LIMIT = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


def _memory_limit(env) -> str:
    raw = (env.get("CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT") or "").strip()
    if not raw:
        return DEFAULT_MEMORY_LIMIT
    if not _MEMORY_LIMIT.match(raw):
        raise SettingsError(f"CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT={raw!r} is not a size such as 3GB or 512MB")
    return raw.replace(" ", "")


def _export_settings(env) -> dict:
    return {
        "export_park_after_failures": _number(env, "CUSTOMER_USAGE_EXPORT_PARK_AFTER_FAILURES", 5, int, 1, 1000),
        "export_max_failure_rate": _number(env, "CUSTOMER_USAGE_EXPORT_MAX_FAILURE_RATE", 0.2, float, 0.0, 1.0),
        "export_history_days": _number(env, "CUSTOMER_USAGE_SYNC_HISTORY_DAYS", 90, int, 1, 36500),
        "export_preview_rows": _number(env, "CUSTOMER_USAGE_EXPORT_PREVIEW_ROWS", 20, int, 1, 100000),
        "export_mappings_dir": Path(env["CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR"]).resolve()
        if (env.get("CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR") or "").strip() else None,
    }


def _date_setting(env, name: str) -> dt.date | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a YYYY-MM-DD date") from exc


def _path_setting(env, name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw) if raw else None
