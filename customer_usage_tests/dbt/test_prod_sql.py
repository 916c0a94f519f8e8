"""The models compile to valid Snowflake SQL (the `prod` target), offline."""

from __future__ import annotations

import sqlglot

from customer_usage.docs_gen.build import MODELS


def test_models_compile_to_valid_snowflake_sql(prod_compile):
    manifest, target = prod_compile
    compiled = sorted((target / "compiled").rglob("*.sql"))
    names = {p.stem for p in compiled}
    assert set(MODELS) <= names and "stg_sfdc__account" in names
    for path in compiled:
        sqlglot.parse_one(path.read_text(), read="snowflake")  # raises on a syntax error
    dim_customer = next(p for p in compiled if p.stem == "dim_customer").read_text()
    assert "md5(" in dim_customer and "main." not in dim_customer  # Snowflake relations, no DuckDB schema
