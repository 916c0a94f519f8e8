"""Run-time settings (data-contract §1).

Read from the environment when definitions are built or a command runs, never at
import, so that one installed package serves both the local DuckDB target and
Snowflake, and tests can point every setting at a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_LANDING_DIR = DATA_DIR / "landing"
DEFAULT_DUCKDB_PATH = DATA_DIR / "warehouse.duckdb"

TARGETS = ("local", "prod")


class SettingsError(ValueError):
    """A setting has a value the platform cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    target: str
    landing_dir: Path
    duckdb_path: Path
    as_of: dt.date | None
    # Exports (customer_usage/exports): retry limit, failure-rate alert, sync history, dry-run preview.
    export_park_after_failures: int = 5
    export_max_failure_rate: float = 0.2
    export_history_days: int = 90
    export_preview_rows: int = 20
    export_mappings_dir: Path | None = None  # None: the mappings shipped in customer_usage/exports/mappings

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
        as_of_raw = env.get("CUSTOMER_USAGE_AS_OF", "").strip()
        as_of = None
        if as_of_raw:
            try:
                as_of = dt.date.fromisoformat(as_of_raw)
            except ValueError as exc:
                raise SettingsError(
                    f"CUSTOMER_USAGE_AS_OF={as_of_raw!r} is not a YYYY-MM-DD date"
                ) from exc
        return cls(
            **_export_settings(env),
            target=target,
            landing_dir=Path(env.get("CUSTOMER_USAGE_LANDING_DIR") or DEFAULT_LANDING_DIR).resolve(),
            duckdb_path=Path(env.get("CUSTOMER_USAGE_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH).resolve(),
            as_of=as_of,
        )


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


def _export_settings(env) -> dict:
    return {
        "export_park_after_failures": _number(env, "CUSTOMER_USAGE_EXPORT_PARK_AFTER_FAILURES", 5, int, 1, 1000),
        "export_max_failure_rate": _number(env, "CUSTOMER_USAGE_EXPORT_MAX_FAILURE_RATE", 0.2, float, 0.0, 1.0),
        "export_history_days": _number(env, "CUSTOMER_USAGE_SYNC_HISTORY_DAYS", 90, int, 1, 36500),
        "export_preview_rows": _number(env, "CUSTOMER_USAGE_EXPORT_PREVIEW_ROWS", 20, int, 1, 100000),
        "export_mappings_dir": Path(env["CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR"]).resolve()
        if (env.get("CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR") or "").strip() else None,
    }
