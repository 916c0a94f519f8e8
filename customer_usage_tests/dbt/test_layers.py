"""dbt layers only look down: staging -> intermediate -> marts -> exports.

A model may ref models of its own layer or of a layer below it, never above: an
`int_`/`stg_` model that refs a mart would make the mart's rebuild order, tests and
Dagster partitions leak into the layer meant to feed it (developers' guide, "Style").
Read from a fresh `dbt parse` of the project, so a model added anywhere is covered.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings

LAYERS = ("staging", "intermediate", "marts", "exports")


def _layer(node: dict) -> str:
    """The models/<layer>/ folder of a model (models at the top level have none)."""
    parts = node["original_file_path"].split("/")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else ""


def layer_violations(manifest: dict) -> list[str]:
    """'model (layer) -> dependency (layer)' for every ref that looks up a layer."""
    nodes = manifest["nodes"]
    found = []
    for node in nodes.values():
        if node["resource_type"] != "model" or not _layer(node):
            continue
        for dep_id in node["depends_on"]["nodes"]:
            dep = nodes.get(dep_id)
            if dep is None or dep["resource_type"] != "model" or not _layer(dep):
                continue
            if LAYERS.index(_layer(dep)) > LAYERS.index(_layer(node)):
                found.append(f"{node['name']} ({_layer(node)}) -> {dep['name']} ({_layer(dep)})")
    return sorted(found)


@pytest.fixture(scope="module")
def parsed_manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("layers_target")
    settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(target / "unused.duckdb")})
    result = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=DBT_PROJECT_DIR, env=dbt_env(settings), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads((target / "manifest.json").read_text())


def test_every_model_sits_in_a_layer_folder(parsed_manifest):
    models = [n for n in parsed_manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 40
    assert [n["name"] for n in models if not _layer(n)] == []


def test_no_model_refs_a_layer_above_its_own(parsed_manifest):
    assert layer_violations(parsed_manifest) == []


def test_layer_prefixes_match_their_folder(parsed_manifest):
    """stg_ lives in staging, int_ in intermediate: the prefix a reader trusts is the layer."""
    misplaced = [
        f"{n['name']} in {_layer(n)}" for n in parsed_manifest["nodes"].values() if n["resource_type"] == "model"
        and ((n["name"].startswith("stg_") and _layer(n) != "staging")
             or (n["name"].startswith("int_") and _layer(n) != "intermediate"))
    ]
    assert misplaced == []


def _node(name: str, layer: str, *deps: str) -> tuple[str, dict]:
    return f"model.p.{name}", {"name": name, "resource_type": "model", "original_file_path": f"models/{layer}/{name}.sql",
                               "depends_on": {"nodes": [f"model.p.{d}" for d in deps]}}


def test_the_check_catches_an_intermediate_model_reading_a_mart():
    manifest = {"nodes": dict([
        _node("stg_a", "staging"),
        _node("int_b", "intermediate", "stg_a", "dim_c"),
        _node("dim_c", "marts", "stg_a"),
        _node("stg_d", "staging", "int_b"),
        _node("sync_e", "exports", "dim_c"),
    ])}
    assert layer_violations(manifest) == ["int_b (intermediate) -> dim_c (marts)",
                                          "stg_d (staging) -> int_b (intermediate)"]
