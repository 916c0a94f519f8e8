"""The dbt project and its manifest.

`@dbt_assets` needs `target/manifest.json` when definitions load, and only
`dagster dev` prepares it by itself, so definitions prepare it here when it is
missing (a fresh checkout) and the install step prepares it ahead of time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

from customer_usage.settings import DBT_PROJECT_DIR, Settings


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt process: the target and warehouse file of these settings."""
    env = dict(os.environ)
    env["CUSTOMER_USAGE_DBT_TARGET"] = settings.dbt_target
    env["CUSTOMER_USAGE_DUCKDB_PATH"] = str(settings.duckdb_path)
    env["CUSTOMER_USAGE_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit
    env["CUSTOMER_USAGE_DUCKDB_TEMP_DIR"] = str(settings.duckdb_temp_dir or f"{settings.duckdb_path}.tmp")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def dbt_executable() -> str:
    """The dbt next to this interpreter, so a venv's dbt is used even when not on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def manifest_path() -> Path:
    return DBT_PROJECT_DIR / "target" / "manifest.json"


def prepare_manifest(settings: Settings | None = None, force: bool = False) -> Path:
    """Run `dbt parse` when the manifest is missing (or when forced); returns its path.

    Parsing needs no warehouse connection, so this works offline and for `prod`. dbt
    parses into a scratch folder and the manifest is renamed into place: a process
    loading definitions meanwhile (a daemon, a parallel test) reads the old manifest or
    the new one, never half of one.
    """
    path = manifest_path()
    if path.exists() and not force:
        return path
    settings = settings or Settings.from_env()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="parse-", dir=path.parent) as scratch:
        result = subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target", settings.dbt_target,
             "--target-path", scratch, "--log-path", scratch],
            cwd=DBT_PROJECT_DIR,
            env=dbt_env(settings),
            capture_output=True,
            text=True,
        )
        parsed = Path(scratch) / "manifest.json"
        if result.returncode != 0 or not parsed.exists():
            raise RuntimeError(
                f"dbt parse failed in {DBT_PROJECT_DIR} (target {settings.dbt_target}):\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        os.replace(parsed, path)
        state = Path(scratch) / "partial_parse.msgpack"
        if state.exists():  # the dbt steps start from it (dbt/assets.py)
            os.replace(state, path.parent / state.name)
    return path


def _manifest_database(path: Path) -> str | None:
    nodes = json.loads(path.read_text()).get("nodes", {})
    return next((n.get("database") for n in nodes.values() if n.get("resource_type") == "model"), None)


def dbt_project(settings: Settings) -> DbtProject:
    """The project, its manifest prepared for these settings.

    dbt-duckdb names the database after the file (`warehouse.duckdb` -> `warehouse`)
    and the manifest records it; Dagster reads row counts and column schemas through
    the manifest's relation names, so a warehouse file of another name needs its own
    parse (a few seconds, once).
    """
    path = prepare_manifest(settings)
    if settings.is_local and _manifest_database(path) not in (None, settings.duckdb_path.stem):
        prepare_manifest(settings, force=True)
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target=settings.dbt_target,
    )


if __name__ == "__main__":
    # The install step: `python -m customer_usage.dbt.project` prepares the manifest.
    print(f"dbt manifest ready: {prepare_manifest(force=True)}")
