"""The browsable catalog: dbt docs of the hand-made warehouse, every mart model and
column described (metric columns from the metric catalog), served over HTTP."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from customer_usage.catalog.dbt_docs import describe_metric_columns, generate, make_server, undescribed_mart_columns
from customer_usage.settings import Settings


@pytest.fixture(scope="module")
def docs_folder(analysis_warehouse, tmp_path_factory) -> Path:
    # a copy: dbt opens the file read-write, and the dashboard tests read the original
    tmp = tmp_path_factory.mktemp("dbt_docs")
    shutil.copy(analysis_warehouse["CUSTOMER_USAGE_DUCKDB_PATH"], tmp / "warehouse.duckdb")
    settings = Settings.from_env({**analysis_warehouse, "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp / "warehouse.duckdb")})
    return generate(settings)


def test_every_mart_model_and_column_is_described(docs_folder):
    manifest = json.loads((docs_folder / "manifest.json").read_text())
    built = json.loads((docs_folder / "catalog.json").read_text())["nodes"]
    mart = manifest["nodes"]["model.customer_usage.mart_product_usage_paid_user_metrics_monthly"]
    assert len(built[mart["unique_id"]]["columns"]) > 40  # the built table's columns were read
    assert mart["columns"]["ci_pipelines_28_days_user"]["description"] == \
        "People who started a CI/CD pipeline in the last 28 days."  # from the metric catalog
    assert undescribed_mart_columns(docs_folder) == []


def test_an_undescribed_mart_column_is_reported(tmp_path):
    node = {"resource_type": "model", "name": "dim_x", "unique_id": "model.p.dim_x", "config": {"schema": "marts"},
            "description": "x", "columns": {"a": {"name": "a", "description": "an a"}}}
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": {"model.p.dim_x": node, "model.p.dim_y": {
        **node, "name": "dim_y", "unique_id": "model.p.dim_y", "description": ""}}}))
    (tmp_path / "catalog.json").write_text(json.dumps({"nodes": {
        "model.p.dim_x": {"columns": {"A": {}, "B": {}, "issues_28_days_user": {}}}}}))
    assert undescribed_mart_columns(tmp_path) == ["dim_x.b", "dim_x.issues_28_days_user", "dim_y"]
    assert describe_metric_columns(tmp_path / "manifest.json", tmp_path / "catalog.json") == 1
    assert undescribed_mart_columns(tmp_path) == ["dim_x.b", "dim_y"]


def test_the_catalog_is_served(docs_folder):
    server = make_server(docs_folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(f"{base}/index.html", timeout=10) as response:
            assert b"dbt" in response.read().lower()
        with urllib.request.urlopen(f"{base}/manifest.json", timeout=10) as response:
            assert "mart_product_usage_paid_user_metrics_monthly" in json.loads(response.read())["nodes"][
                "model.customer_usage.mart_product_usage_paid_user_metrics_monthly"]["name"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
