"""Load landing frames straight into raw_<system> tables typed per contract.yml.

The model tests use the real source assets when they exist (helpers.materialize);
this loader is the fallback that lets the dbt models be tested on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import duckdb
import pandas as pd

from customer_usage.sources.contract import load_contract

SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "float": "DOUBLE", "boolean": "BOOLEAN",
             "date": "DATE", "timestamp": "TIMESTAMP", "json": "VARCHAR"}


def load_raw(duckdb_path: Path, frames: Mapping[str, pd.DataFrame]) -> None:
    contract = load_contract()
    with duckdb.connect(str(duckdb_path)) as con:
        for spec in _specs(contract):
            frame = frames.get(f"{spec.system}/{spec.table}")
            con.execute(f"create schema if not exists {spec.raw_schema}")
            cols = ", ".join(
                f"cast({c.name} as {SQL_TYPES[c.type]}) as {c.name}" if frame is not None
                else f"cast(null as {SQL_TYPES[c.type]}) as {c.name}"
                for c in spec.columns
            )
            if frame is None:
                con.execute(f"create or replace table {spec.raw_schema}.{spec.table} as select {cols} where false")
            else:
                con.register("frame", frame)
                con.execute(f"create or replace table {spec.raw_schema}.{spec.table} as select {cols} from frame")
                con.unregister("frame")


def _specs(contract):
    if isinstance(contract, Mapping):
        for tables in contract.values():
            yield from (tables.values() if isinstance(tables, Mapping) else tables)
    else:
        yield from contract
