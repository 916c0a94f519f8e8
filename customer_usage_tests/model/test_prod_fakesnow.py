"""The Snowflake (`prod`) SQL of this area runs, and gives the DuckDB answers, on fakesnow.

The raw tables of the small DuckDB build are copied into fakesnow; every model compiled
for `prod` is then created in dependency order from its compiled Snowflake SQL (fakesnow
transpiles it to DuckDB underneath), and the marts are compared with the local build.
"""

from __future__ import annotations

import duckdb
import fakesnow
import pytest
import snowflake.connector

from customer_usage_tests.model.conftest import FAKE_DATABASE

SQL_TYPES = {"VARCHAR": "varchar", "BIGINT": "number", "INTEGER": "number", "DOUBLE": "float", "BOOLEAN": "boolean",
             "DATE": "date", "TIMESTAMP": "timestamp_ntz", "TIMESTAMP WITH TIME ZONE": "timestamp_tz"}

COMPARE = {
    "marts.rpt_integration_coverage": "select integration, measure, numerator, denominator, unmapped_arr from {t} order by 1, 2",
    "marts.bdg_namespace_order_subscription": "select dim_namespace_id, order_id, dim_subscription_id, match_status from {t} order by 1, 2, 3",
    "marts.dim_customer": "select dim_customer_id, customer_type, deployment_type, source_systems from {t} order by 1",
    "marts.dim_crm_account": "select dim_crm_account_id, dim_parent_crm_account_id from {t} order by 1",
    "marts.dim_billing_account": "select dim_billing_account_id, dim_crm_account_id from {t} order by 1",
    "marts.rpt_integration_defects": "select defect, entity_type, entity_id, dim_subscription_id_original, arr from {t} order by 1, 2, 3",
    "marts.rpt_integration_roadmap": "select defect, entity_count, subscription_count, arr_at_stake, priority_rank from {t} order by 1",
    "marts.rpt_integration_coverage_monthly": "select snapshot_month, measure, numerator, denominator from {t} order by 1, 2",
    "intermediate.int_ping_subscription": "select dim_ping_id, dim_installation_id, dim_subscription_id, ping_subscription_source from {t} order by 1",
}


def _copy_raw(source_path, cur) -> None:
    with duckdb.connect(str(source_path), read_only=True) as src:
        tables = src.execute(
            "select table_schema, table_name from information_schema.tables where table_schema like 'raw_%'"
        ).fetchall()
        for schema, table in tables:
            cols = src.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]
            ).fetchall()
            cur.execute(f"create schema if not exists {FAKE_DATABASE}.{schema}")
            ddl = ", ".join(f"{c} {SQL_TYPES.get(t, 'varchar')}" for c, t in cols)
            cur.execute(f"create or replace table {FAKE_DATABASE}.{schema}.{table} ({ddl})")
            rows = src.execute(f"select * from {schema}.{table}").fetchall()
            if rows:
                marks = ", ".join(["%s"] * len(cols))
                cur.executemany(f"insert into {FAKE_DATABASE}.{schema}.{table} values ({marks})", [tuple(r) for r in rows])


def _build_order(manifest: dict, compiled_root) -> list[dict]:
    compiled = {p.stem for p in compiled_root.rglob("*.sql")}
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model" and n["name"] in compiled}
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
def fakesnow_results(small_warehouse, prod_compile):
    manifest, target = prod_compile
    root = target / "compiled" / "customer_usage"
    results = {}
    with fakesnow.patch():
        conn = snowflake.connector.connect(database=FAKE_DATABASE, schema="PUBLIC")
        cur = conn.cursor()
        _copy_raw(small_warehouse, cur)
        for schema in ("staging", "intermediate", "marts"):
            cur.execute(f"create schema if not exists {FAKE_DATABASE}.{schema}")
        built = []
        for node in _build_order(manifest, root):
            sql = (root / node["original_file_path"]).read_text()
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            cur.execute(f"create or replace {kind} {FAKE_DATABASE}.{node['schema']}.{node['name']} as {sql}")
            built.append(node["name"])
        for table, sql in COMPARE.items():
            cur.execute(sql.format(t=f"{FAKE_DATABASE}.{table}"))
            results[table] = [tuple(r) for r in cur.fetchall()]
        conn.close()
    return built, results


def test_every_model_builds_from_its_snowflake_sql(fakesnow_results):
    built, _ = fakesnow_results
    assert {"dim_customer", "rpt_integration_coverage", "map_crm_account_merge", "stg_sfdc__account"} <= set(built)


@pytest.mark.parametrize("table", sorted(COMPARE))
def test_snowflake_sql_gives_the_duckdb_answers(fakesnow_results, small_warehouse, table):
    _, results = fakesnow_results
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        local = con.execute(COMPARE[table].format(t=table)).fetchall()
    snow = results[table]
    assert len(snow) == len(local) > 0
    assert [tuple(map(_norm, r)) for r in snow] == [tuple(map(_norm, r)) for r in local]


def _norm(value):
    """Compare across drivers: numbers by value (Decimal/int/float), the rest as text."""
    if value is None:
        return None
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return str(value)
