"""The browsable data catalog: `dbt docs generate` on the warehouse, served locally.

dbt's docs site shows every model, column, test and the lineage graph. The mart's
metric columns are generated from the metric catalog (models/metric_catalog.yml),
not listed in yml, so their descriptions are filled in here from that catalog
before the site is served: one source for what a metric means.
`undescribed_mart_columns()` is what the test uses to keep every mart model and
column described.
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
from pathlib import Path

from customer_usage.catalog.catalog import load_catalog
from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DATA_DIR, DBT_PROJECT_DIR, Settings

MART_SCHEMA = "marts"


def docs_dir(settings: Settings) -> Path:
    """Beside the local warehouse file (so tests stay in their tmp folder); data/ in prod."""
    return (settings.duckdb_path.parent if settings.is_local else DATA_DIR) / "dbt_docs"


def generate(settings: Settings, target: Path | None = None) -> Path:
    """Run `dbt docs generate` into `target` and describe the metric columns; returns the folder."""
    target = target or docs_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [dbt_executable(), "docs", "generate", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target", settings.dbt_target,
         "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=DBT_PROJECT_DIR, env=dbt_env(settings), capture_output=True, text=True,
    )
    if result.returncode != 0 or not (target / "catalog.json").exists():
        raise RuntimeError(f"dbt docs generate failed (target {settings.dbt_target}, warehouse "
                           f"{settings.duckdb_path if settings.is_local else 'Snowflake'}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    describe_metric_columns(target / "manifest.json", target / "catalog.json")
    return target


def describe_metric_columns(manifest_path: Path, catalog_path: Path) -> int:
    """Give every built column named after a catalog metric, and lacking a description, the
    metric's description (in manifest.json, which the docs site reads). Returns columns filled."""
    meanings = {m.column: m.description for m in load_catalog()}
    manifest = json.loads(manifest_path.read_text())
    built = json.loads(catalog_path.read_text()).get("nodes", {})
    filled = 0
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model":
            continue
        columns = node.setdefault("columns", {})
        for name in (built.get(unique_id, {}).get("columns") or {}):
            name = name.lower()
            if name in meanings and not (columns.get(name) or {}).get("description"):
                columns.setdefault(name, {"name": name, "data_type": None, "meta": {}, "tags": [],
                                          "constraints": [], "quote": None})
                columns[name]["description"] = meanings[name]
                filled += 1
    manifest_path.write_text(json.dumps(manifest))
    return filled


def undescribed_mart_columns(target: Path) -> list[str]:
    """`model` or `model.column` of every mart model or built column without a description."""
    manifest = json.loads((target / "manifest.json").read_text())
    built = json.loads((target / "catalog.json").read_text()).get("nodes", {})
    missing = []
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        if node.get("resource_type") != "model" or node.get("config", {}).get("schema") != MART_SCHEMA:
            continue
        if not (node.get("description") or "").strip():
            missing.append(node["name"])
        described = {n.lower() for n, c in (node.get("columns") or {}).items() if (c.get("description") or "").strip()}
        listed = set((node.get("columns") or {})) | {c.lower() for c in (built.get(unique_id, {}).get("columns") or {})}
        missing += [f"{node['name']}.{c}" for c in sorted({c.lower() for c in listed} - described)]
    return missing


def make_server(folder: Path, port: int, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A static file server for the docs folder (port 0 picks a free one)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_folder(folder: Path, port: int, host: str = "127.0.0.1") -> None:
    with make_server(folder, port, host) as server:
        print(f"data catalog on http://{host}:{server.server_address[1]} (Ctrl-C stops it)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(port: int = 8580, host: str = "127.0.0.1", serve: bool = True) -> int:
    settings = Settings.from_env()
    folder = generate(settings)
    missing = undescribed_mart_columns(folder)
    print(f"catalog written to {folder}" + (f"; undescribed: {', '.join(missing)}" if missing else ""))
    if serve:
        serve_folder(folder, port, host)
    return 0
