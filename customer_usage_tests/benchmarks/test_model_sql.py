"""The before/after SQL timing of bench_model: every model of both projects runs, in
dependency order, each in its own warehouse, the two projects taking turns."""

from __future__ import annotations

import duckdb
import pytest

from benchmarks import model_sql


def _node(name: str, schema: str, materialized: str, sql: str, deps: tuple[str, ...] = ()) -> tuple[str, dict]:
    return f"model.p.{name}", {"resource_type": "model", "name": name, "alias": name, "schema": schema,
                               "config": {"materialized": materialized}, "compiled_code": sql,
                               "depends_on": {"nodes": [f"model.p.{d}" for d in deps]}}


def _manifest(*nodes) -> dict:
    return {"nodes": dict(nodes)}


def _raw(path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw_x")
        con.execute("create table raw_x.a as select range as id from range(5)")


def test_statements_follow_dependencies_and_skip_ephemeral_models():
    manifest = _manifest(
        _node("dim_b", "marts", "table", 'select * from "staging"."stg_a"', ("stg_a",)),
        _node("stg_a", "staging", "view", "select id from raw_x.a"),
        _node("eph", "staging", "ephemeral", "select 1"),
    )
    statements = model_sql.model_statements(manifest)
    assert [name for name, _ in statements] == ["stg_a", "dim_b"]
    assert statements[0][1].startswith('create or replace view "staging"."stg_a"')
    assert statements[1][1].startswith('create or replace table "marts"."dim_b"')


def test_both_projects_build_every_model_in_their_own_warehouse(tmp_path):
    before, after = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    _raw(before)
    _raw(after)
    old = model_sql.model_statements(_manifest(
        _node("stg_a", "staging", "view", "select id from raw_x.a"),
        _node("dim_b", "marts", "table", 'select id from "staging"."stg_a" where id > 1', ("stg_a",)),
    ))
    new = model_sql.model_statements(_manifest(
        _node("dim_b", "marts", "table", "select id from raw_x.a where id > 1"),
    ))
    times = model_sql.time_models({"before": (before, old), "after": (after, new)})
    assert set(times["before"].per_model) == {"stg_a", "dim_b"}
    assert set(times["after"].per_model) == {"dim_b"}
    assert times["before"].total > 0 and times["after"].top(1)[0][0] == "dim_b"
    for path in (before, after):
        with duckdb.connect(str(path)) as con:
            assert con.execute("select count(*) from marts.dim_b").fetchone()[0] == 3


def test_a_failing_model_is_named(tmp_path):
    db = tmp_path / "w.duckdb"
    _raw(db)
    broken = model_sql.model_statements(_manifest(_node("dim_bad", "marts", "table", "select nope from raw_x.a")))
    with pytest.raises(model_sql.SqlBenchError, match="after: model dim_bad"):
        model_sql.time_models({"after": (db, broken)})
