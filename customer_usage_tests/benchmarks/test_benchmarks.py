"""The benchmark runner and the pipeline benchmark's pure parts (no timing is asserted)."""

from __future__ import annotations

import sys
import types

import duckdb
import pytest

from benchmarks import run as runner
from benchmarks.bench_pipeline import _is_dbt_step, compiled_statements, raw_only_copy, run_raw_duckdb


@pytest.fixture
def fake_benchmarks(monkeypatch):
    """Two bench modules: one returns rows (one a ratio with a goal), one raises."""
    ok = types.ModuleType("benchmarks.bench_fake_ok")
    ok.run = lambda scale: [
        {"benchmark": "fake_ok", "measure": "load_s", "value": 1.5, "unit": "s", "note": f"scale {scale}"},
        {"benchmark": "fake_ok", "measure": "a_vs_b", "value": 1.4, "unit": "x", "goal": 1.3},
    ]
    bad = types.ModuleType("benchmarks.bench_fake_bad")

    def explode(scale):
        raise RuntimeError("the generator is missing")

    bad.run = explode
    monkeypatch.setitem(sys.modules, ok.__name__, ok)
    monkeypatch.setitem(sys.modules, bad.__name__, bad)
    monkeypatch.setattr(runner, "discover", lambda: ["fake_bad", "fake_ok"])


def test_runner_keeps_going_after_a_failure_and_exits_non_zero(fake_benchmarks, capsys):
    assert runner.main(["--scale", "demo"]) == 1
    out, err = capsys.readouterr()
    assert "fake_ok" in out and "load_s" in out and "scale demo" in out
    assert "fake_ok.a_vs_b" in out and "1.40x" in out and "MISSED" in out
    assert "FAILED bench_fake_bad: RuntimeError: the generator is missing" in err


def test_runner_only_runs_the_named_benchmarks(fake_benchmarks, capsys):
    assert runner.main(["--only", "fake_ok"]) == 0
    assert "load_s" in capsys.readouterr().out
    assert runner.main(["--only", "no_such"]) == 1
    assert "no benchmarks/bench_no_such.py" in capsys.readouterr().err


def test_runner_discovers_the_pipeline_benchmark():
    assert "pipeline" in runner.discover()


def test_dbt_steps_include_the_split_ones():
    ops = {"customer_usage_dbt_models"}
    assert _is_dbt_step("customer_usage_dbt_models", ops)
    assert _is_dbt_step("customer_usage_dbt_models_3", ops)
    assert not _is_dbt_step("customer_usage_dbt_models_extra", ops)
    assert not _is_dbt_step("zuora__account", ops)


def _node(name, schema, materialized, sql, deps=()):
    return {
        "resource_type": "model", "name": name, "alias": name, "schema": schema,
        "config": {"materialized": materialized}, "compiled_code": sql,
        "depends_on": {"nodes": [f"model.p.{d}" for d in deps]},
    }


def test_raw_duckdb_runs_compiled_models_in_dependency_order(tmp_path):
    manifest = {"nodes": {
        # Listed downstream first: the order must come from depends_on.
        "model.p.dim_a": _node("dim_a", "marts", "table", 'select id * 10 as id from "staging"."stg_a"', ["stg_a"]),
        "model.p.stg_a": _node("stg_a", "staging", "view", "select id from raw_x.a where id > 1"),
        "model.p.eph": _node("eph", "staging", "ephemeral", "select 1"),
        "test.p.unique_dim_a_id": {"resource_type": "test", "name": "unique_dim_a_id",
                                   "compiled_code": 'select id from "marts"."dim_a" group by id having count(*) > 1'},
    }}
    ddl, tests = compiled_statements(manifest)
    assert [name for name, _ in ddl] == ["stg_a", "dim_a"]
    assert ddl[0][1].startswith('create or replace view "staging"."stg_a"')
    assert ddl[1][1].startswith('create or replace table "marts"."dim_a"')
    assert [name for name, _ in tests] == ["unique_dim_a_id"]

    source = tmp_path / "src" / "warehouse.duckdb"
    source.parent.mkdir()
    with duckdb.connect(str(source)) as con:
        con.execute("create schema raw_x; create table raw_x.a as select * from range(5) t(id)")
        con.execute("create schema marts; create table marts.stale as select 1 as x")
    warehouse = tmp_path / "raw" / "warehouse.duckdb"
    raw_only_copy(source, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'marts'").fetchone() == (0,)
    result = run_raw_duckdb(warehouse, manifest)
    assert result["model_count"] == 2 and result["test_count"] == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select list(id order by id) from marts.dim_a").fetchone() == ([20, 30, 40],)


def test_dbt_process_rows_compare_parses_and_tests_with_plain_dbt():
    from benchmarks.bench_pipeline import dbt_process_rows
    from customer_usage.dbt.step_report import StepReport

    reports = {
        "customer_usage_dbt_models": {"full_parse": True, "parse_s": 25.0, "models": 40, "tests": 200, "metadata_s": 0.5},
        "customer_usage_dbt_monthly_models": {"full_parse": False, "parse_s": 3.0, "models": 10, "tests": 100},
        "customer_usage_dbt_export_models": {"metadata_s": 0.25},  # its report line missing: counted as nothing
    }
    plain = StepReport(full_parse=True, reason="profile has changed", parse_s=24.0, models=50, tests=300)
    rows = {r["measure"]: r for r in dbt_process_rows(reports, plain)}
    assert rows["pipeline_dbt_full_parses"]["value"] == 1 and "customer_usage_dbt_models" in rows["pipeline_dbt_full_parses"]["note"]
    assert rows["pipeline_dbt_parse_s"]["value"] == 28.0 and rows["pipeline_dbt_metadata_s"]["value"] == 0.75
    assert rows["pipeline_dbt_tests_run"]["value"] == 300 and rows["dbt_build_tests_run"]["value"] == 300
    ratio = rows["pipeline_tests_vs_dbt_build"]
    assert ratio["unit"] == "x" and ratio["value"] == 1.0 and ratio["goal"] == 1.0


def test_step_peaks_rank_the_steps_by_memory():
    from benchmarks.bench_pipeline import step_peak_rows
    from benchmarks.memory import PeakSampler

    sampler = PeakSampler()
    sampler.samples = [(1.0, 100 * 1024), (2.0, 900 * 1024), (3.0, 300 * 1024)]
    peaks = {step: sampler.peak_between(a, b) / 1024 for step, (a, b) in {"load": (0.5, 1.5), "dbt": (1.5, 3.5), "idle": (5, 6)}.items()}
    rows = step_peak_rows(peaks, top=2)
    assert [(r["measure"], r["value"], r["note"]) for r in rows] == [
        ("peak_rss_step_01_mib", 900, "dbt"), ("peak_rss_step_02_mib", 100, "load")]
