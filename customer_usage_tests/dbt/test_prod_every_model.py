"""Every dbt model on the Snowflake path: compiled for `prod`, run on fakesnow or parsed.

Generic over the manifest, so a model added anywhere in the project is covered
without touching this file:
1. the whole project compiles with the `prod` (dbt-snowflake) target, offline;
2. every model's compiled Snowflake SQL parses with sqlglot's Snowflake dialect
   (the guard for what fakesnow cannot execute);
3. every model fakesnow can execute is created from its compiled SQL, in dependency
   order, over the raw tables of the same small DuckDB build, and its rows equal the
   DuckDB rows of the local build (all columns);
4. what fakesnow cannot run is listed in FAKESNOW_EXCLUDED with the reason; a listed
   model that starts to run fails the test, so the list never goes stale. Models
   downstream of an excluded one are parsed only (reported, not listed).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import duckdb
import fakesnow
import pytest
import snowflake.connector
import sqlglot
from sqlglot.errors import ErrorLevel

from customer_usage.docs_gen.manifest import compile_for
from customer_usage_tests.dbt.marts import landing_data
from customer_usage_tests.dbt.marts.dbt_runner import Warehouse
from customer_usage_tests.dbt.conftest import FAKE_DATABASE

SQL_TYPES = {"VARCHAR": "varchar", "BIGINT": "number", "INTEGER": "number", "DOUBLE": "float", "BOOLEAN": "boolean",
             "DATE": "date", "TIMESTAMP": "timestamp_ntz", "TIMESTAMP WITH TIME ZONE": "timestamp_tz"}
# the small input must reach these: a comparison of empty tables proves nothing
MUST_HAVE_ROWS = ("mart_product_usage_paid_user_metrics_monthly", "fct_ping", "fct_ping_metric", "dim_subscription",
                  "rpt_integration_coverage", "int_ping_metrics", "sync_gainsight_subscription_usage")

# model -> why fakesnow cannot execute its Snowflake SQL (it is parsed by sqlglot instead)
FAKESNOW_EXCLUDED: dict[str, str] = {}


def _copy_raw(duckdb_path, cur) -> None:
    """The raw tables of the local build into fakesnow (read-write: dbt's in-process
    adapter still holds the file with its own settings)."""
    with duckdb.connect(str(duckdb_path)) as src:
        tables = src.execute("select table_schema, table_name from information_schema.tables "
                             "where table_schema like 'raw_%'").fetchall()
        for schema, table in tables:
            cols = src.execute("select column_name, data_type from information_schema.columns where table_schema = ? "
                               "and table_name = ? order by ordinal_position", [schema, table]).fetchall()
            cur.execute(f"create schema if not exists {FAKE_DATABASE}.{schema}")
            ddl = ", ".join(f"{c} {SQL_TYPES.get(t, 'varchar')}" for c, t in cols)
            cur.execute(f"create or replace table {FAKE_DATABASE}.{schema}.{table} ({ddl})")
            rows = src.execute(f"select * from {schema}.{table}").fetchall()
            if rows:
                marks = ", ".join(["%s"] * len(cols))
                cur.executemany(f"insert into {FAKE_DATABASE}.{schema}.{table} values ({marks})", rows)


def _models(manifest: dict) -> dict[str, dict]:
    return {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def _in_dependency_order(models: dict[str, dict]) -> list[dict]:
    order, seen = [], set()

    def visit(uid):
        if uid in seen or uid not in models:
            return
        seen.add(uid)
        for dep in models[uid]["depends_on"]["nodes"]:
            visit(dep)
        order.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return order


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """The whole project built on DuckDB over the mart's small landing folder."""
    wh = Warehouse(tmp_path_factory.mktemp("every_model_local"), landing_data.AS_OF).load(landing_data.tables())
    wh.dbt("run")
    return wh


@pytest.fixture(scope="module")
def prod_project(tmp_path_factory):
    target = tmp_path_factory.mktemp("every_model_prod")
    manifest = compile_for("prod", target, ["fqn:*"], {"SNOWFLAKE_DATABASE": FAKE_DATABASE,
                                                      "CUSTOMER_USAGE_AS_OF": landing_data.AS_OF})
    root = target / "compiled" / "customer_usage"
    compiled = {n["name"]: (root / n["original_file_path"]).read_text() for n in _models(manifest).values()}
    return manifest, compiled


@pytest.fixture(scope="module")
def fakesnow_run(local_build, prod_project):
    """name -> rows (built on fakesnow), plus name -> error and name -> skip reason."""
    manifest, compiled = prod_project
    models = _models(manifest)
    rows, errors, skipped = {}, {}, {}
    with fakesnow.patch():
        conn = snowflake.connector.connect(database=FAKE_DATABASE, schema="PUBLIC")
        cur = conn.cursor()
        _copy_raw(local_build.path, cur)
        for node in _in_dependency_order(models):
            name = node["name"]
            blocked = [models[d]["name"] for d in node["depends_on"]["nodes"]
                       if d in models and models[d]["name"] not in rows]
            if blocked:
                skipped[name] = f"upstream {', '.join(blocked)} not built on fakesnow"
                continue
            cur.execute(f"create schema if not exists {FAKE_DATABASE}.{node['schema']}")
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            try:
                cur.execute(f"create or replace {kind} {FAKE_DATABASE}.{node['schema']}.{name} as {compiled[name]}")
                cur.execute(f"select * from {FAKE_DATABASE}.{node['schema']}.{name}")
            except Exception as exc:  # noqa: BLE001 - reported per model below
                errors[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
                continue
            columns = [c[0].lower() for c in cur.description]
            rows[name] = (node["schema"], columns, cur.fetchall())
        conn.close()
    return rows, errors, skipped


def test_every_model_compiles_for_snowflake(prod_project):
    manifest, compiled = prod_project
    assert manifest["metadata"]["adapter_type"] == "snowflake"
    assert {"mart_product_usage_paid_user_metrics_monthly", "fct_ping", "sync_sfdc_account_usage",
            "rpt_integration_coverage", "int_ping_metrics"} <= set(compiled)
    assert all(sql.strip() for sql in compiled.values())


def test_every_models_snowflake_sql_parses_with_sqlglot(prod_project):
    _, compiled = prod_project
    failures = {}
    for name, sql in sorted(compiled.items()):
        try:
            sqlglot.parse(sql, read="snowflake", error_level=ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as exc:
            failures[name] = str(exc)[:300]
    assert failures == {}


def test_every_model_not_excluded_runs_on_fakesnow(fakesnow_run, prod_project):
    _, compiled = prod_project
    rows, errors, skipped = fakesnow_run
    unexpected = {n: e for n, e in errors.items() if n not in FAKESNOW_EXCLUDED}
    assert unexpected == {}, "models failing on fakesnow (fix the SQL or list them with a reason)"
    now_running = sorted(set(FAKESNOW_EXCLUDED) & set(rows))
    assert now_running == [], "listed as excluded but they run: remove them from FAKESNOW_EXCLUDED"
    assert set(FAKESNOW_EXCLUDED) <= set(compiled), "FAKESNOW_EXCLUDED names a model that does not exist"
    assert set(rows) | set(errors) | set(skipped) == set(compiled)
    print(f"\nran on fakesnow ({len(rows)}): {', '.join(sorted(rows))}")
    print(f"parsed only ({len(errors) + len(skipped)}): "
          + ", ".join(f"{n} ({FAKESNOW_EXCLUDED.get(n) or skipped.get(n)})" for n in sorted({*errors, *skipped})))


def test_fakesnow_results_equal_the_duckdb_results(fakesnow_run, local_build):
    rows, _, _ = fakesnow_run
    different = {}
    with duckdb.connect(str(local_build.path)) as con:
        for name, (schema, columns, snow_rows) in sorted(rows.items()):
            local = con.execute(f"select * from {schema}.{name}")
            local_columns = [c[0].lower() for c in local.description]
            local_rows = local.fetchall()
            if local_columns != columns:
                different[name] = f"columns {local_columns} != {columns}"
                continue
            if _canonical(local_rows) != _canonical(snow_rows):
                diff = set(_canonical(snow_rows)) ^ set(_canonical(local_rows))
                different[name] = f"{len(local_rows)} local rows, {len(snow_rows)} on fakesnow; e.g. {sorted(diff, key=repr)[:2]}"
    assert different == {}
    assert [m for m in MUST_HAVE_ROWS if not rows.get(m, (None, None, []))[2]] == []


def _canonical(rows) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in row) for row in rows), key=repr)


def _norm(value):
    """Compare across drivers: numbers by value, times as ISO text, JSON documents parsed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 6)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)
