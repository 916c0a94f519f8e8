"""Read the dbt manifest: a fresh parse into a scratch folder, or the project's own."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from customer_usage.dbt.project import dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR


def compile_for(target: str, target_path: Path, select: list[str], extra_env: dict[str, str] | None = None) -> dict:
    """`dbt compile` of `select` for a profile target without touching a warehouse
    (`--no-populate-cache --no-introspect`: no connection is opened), so the `prod`
    Snowflake SQL can be produced offline. Returns the manifest; the compiled SQL is
    under target_path/compiled."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "CUSTOMER_USAGE_DBT_TARGET": target, **(extra_env or {})}
    proc = subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--no-populate-cache", "--no-introspect", "--no-partial-parse",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", target,
         "--target-path", str(target_path), "--log-path", str(target_path), "--select", *select],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR,
    )
    manifest = target_path / "manifest.json"
    if proc.returncode != 0 or not manifest.exists():
        raise RuntimeError(f"dbt compile --target {target} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(manifest.read_text())


def parse_manifest(target_path: Path | None = None) -> dict:
    """`dbt parse` into target_path (a temporary folder by default) and return the manifest.

    Parsing needs no warehouse, and a scratch target keeps the project's target/ (which a
    running Dagster may be reading) untouched.
    """
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(target_path or scratch)
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        env.setdefault("CUSTOMER_USAGE_DBT_TARGET", "local")
        proc = subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--no-partial-parse", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target)],
            capture_output=True, text=True, env=env, cwd=DBT_PROJECT_DIR,
        )
        manifest = target / "manifest.json"
        if proc.returncode != 0 or not manifest.exists():
            raise RuntimeError(f"dbt parse failed in {DBT_PROJECT_DIR}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return json.loads(manifest.read_text())
