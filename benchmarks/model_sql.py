"""The SQL of every model timed in DuckDB alone, for this project and an older one.

Issue 18 asks for the SQL itself halved, measured side by side in one run. So the
older project (a git worktree of the commit before the rewrite, by default
`BEFORE_COMMIT`) is compiled against the same loaded raw tables and both sets of
compiled models run one after the other as plain `create or replace table/view`
statements, on two copies of one warehouse holding only the raw tables. dbt's
own overhead (temp relations, metadata queries, threads) is left out on purpose:
this is the data work, where rewriting the SQL pays.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.warehouse import connect_duckdb

# The last commit before issue 18's SQL rewrite (`bench_model --before DIR` takes any
# other checkout of the project instead; its dbt_project/ is compiled).
BEFORE_COMMIT = "7c9f039"
DBT_SCHEMAS = ("staging", "intermediate", "marts", "exports")


class SqlBenchError(RuntimeError):
    """Compiling or running one project's models failed; the message names the model."""


@dataclass
class ModelTimes:
    label: str
    per_model: dict[str, float] = field(default_factory=dict)
    cpu_per_model: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.per_model.values())

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu_per_model.values())

    def top(self, n: int = 10) -> list[tuple[str, float]]:
        return sorted(self.per_model.items(), key=lambda kv: -kv[1])[:n]


def before_checkout(work: Path, given: str | None = None) -> Path:
    """A checkout of the project before the rewrite: the given folder, or a detached
    git worktree of BEFORE_COMMIT (removed by `drop_checkout`)."""
    if given:
        return Path(given)
    repo = DBT_PROJECT_DIR.parent
    dest = work / "before_checkout"
    if not dest.exists():
        result = subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", str(dest), BEFORE_COMMIT],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SqlBenchError(f"git worktree add {BEFORE_COMMIT} failed (a shallow clone? give a checkout "
                                f"with --before): {result.stderr.strip()}")
    return dest


def drop_checkout(path: Path) -> None:
    subprocess.run(["git", "-C", str(DBT_PROJECT_DIR.parent), "worktree", "remove", "--force", str(path)],
                   capture_output=True, text=True)


def compile_manifest(project_dir: Path, db: Path, target: Path, as_of: str) -> dict:
    """`dbt compile` of one project against `db`; its manifest with every model's SQL."""
    settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(db)})
    env = {**dbt_env(settings), "CUSTOMER_USAGE_AS_OF": as_of}
    command = [dbt_executable(), "compile", "--no-partial-parse", "--project-dir", str(project_dir),
               "--profiles-dir", str(project_dir), "--target-path", str(target),
               "--log-path", str(target / "logs"), "--select", "resource_type:model"]
    result = subprocess.run(command, env=env, cwd=project_dir, capture_output=True, text=True)
    if result.returncode != 0:
        raise SqlBenchError(f"dbt compile in {project_dir} failed:\n{result.stdout[-3000:]}\n{result.stderr[-1000:]}")
    return json.loads((target / "manifest.json").read_text())


def model_statements(manifest: dict) -> list[tuple[str, str]]:
    """(name, DDL) of every non-ephemeral model in dependency order."""
    models = {uid: n for uid, n in manifest["nodes"].items()
              if n["resource_type"] == "model" and n["config"].get("materialized") != "ephemeral"}
    graph = {uid: [d for d in n["depends_on"]["nodes"] if d in models] for uid, n in models.items()}
    statements = []
    for uid in TopologicalSorter(graph).static_order():
        node = models[uid]
        if not node.get("compiled_code"):
            raise SqlBenchError(f"no compiled SQL for model {node['name']}")
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        relation = f'"{node["schema"]}"."{node["alias"] or node["name"]}"'
        statements.append((node["name"], f"create or replace {kind} {relation} as (\n{node['compiled_code']}\n)"))
    return statements


def raw_only_copy(source: Path, dest: Path) -> None:
    """A copy of the warehouse without what dbt built: every engine starts from raw tables."""
    shutil.copyfile(source, dest)
    with connect_duckdb(dest) as con:
        for schema in DBT_SCHEMAS:
            con.execute(f"drop schema if exists {schema} cascade")
        con.execute("checkpoint")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_models(runs: dict[str, tuple[Path, list[tuple[str, str]]]]) -> dict[str, ModelTimes]:
    """Run each project's statements in its own warehouse, the projects taking turns
    model by model, who goes first alternating (before's 1st, after's 1st, after's
    2nd, before's 2nd, ...): on a shared, busy machine a load that comes and goes,
    or the disk still writing back what the previous statement wrote, then weighs on
    both alike. Each model's wall seconds and the CPU seconds of this process
    (DuckDB's threads included), which waiting for a busy machine does not inflate."""
    times = {label: ModelTimes(label) for label in runs}
    connections = {label: connect_duckdb(db) for label, (db, _) in runs.items()}
    try:
        for con in connections.values():
            for schema in DBT_SCHEMAS:
                con.execute(f"create schema if not exists {schema}")
        labels = list(runs)
        for step in range(max(len(statements) for _, statements in runs.values())):
            for label in labels if step % 2 == 0 else labels[::-1]:
                statements = runs[label][1]
                if step >= len(statements):
                    continue
                name, sql = statements[step]
                started, cpu_started = time.perf_counter(), _cpu_seconds()
                try:
                    connections[label].execute(sql)
                except duckdb.Error as exc:
                    raise SqlBenchError(f"{label}: model {name} failed in DuckDB: {exc}") from exc
                times[label].per_model[name] = time.perf_counter() - started
                times[label].cpu_per_model[name] = _cpu_seconds() - cpu_started
    finally:
        for con in connections.values():
            con.close()
    return times


def before_and_after(raw_db: Path, work: Path, as_of: str, before_dir: str | None = None) -> tuple[ModelTimes, ModelTimes]:
    """Both projects' models, compiled and run on copies of `raw_db` (only raw tables)."""
    checkout = before_checkout(work, before_dir)
    try:
        runs = {}
        for label, project in (("before", checkout / "dbt_project"), ("after", DBT_PROJECT_DIR)):
            db = work / f"sql_{label}.duckdb"
            raw_only_copy(raw_db, db)
            manifest = compile_manifest(project, db, work / f"sql_{label}_target", as_of)
            runs[label] = (db, model_statements(manifest))
        results = time_models(runs)
        for db, _ in runs.values():
            db.unlink(missing_ok=True)
        return results["before"], results["after"]
    finally:
        if not before_dir:
            drop_checkout(checkout)
