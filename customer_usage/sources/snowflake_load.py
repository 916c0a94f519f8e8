"""A landing file into Snowflake: classified in an in-memory DuckDB, streamed in chunks.

The rules are DuckDB SQL (`rules.py`), so a Snowflake load (`CUSTOMER_USAGE_PROD_LOAD_FILES=true`)
classifies the file in a scratch DuckDB with the warehouse's memory limit and spill
folder, then writes the good rows and the quarantined ones through
`Warehouse.write_frames`: `FRAME_ROWS` rows in pandas at a time, never the whole file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from customer_usage.sources.contract import TableSpec
from customer_usage.sources.loader import QUARANTINE_SCHEMA, LoadResult, _classify_into, _locate
from customer_usage.warehouse import Warehouse

# Rows per chunk held in Python (a Service Ping payload is kilobytes: ~50 MB a chunk).
FRAME_ROWS = 20_000
SNOWFLAKE_TYPES = {
    "string": "VARCHAR",
    "integer": "NUMBER(38,0)",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",
    "json": "VARCHAR",
}


def _frames(con: duckdb.DuckDBPyConnection, sql: str, text: bool = False) -> Iterator[pd.DataFrame]:
    """The rows of `sql` as pandas chunks of `FRAME_ROWS`: one chunk in memory at a time."""
    reader = con.sql(sql).to_arrow_reader(FRAME_ROWS)
    first = True
    for batch in reader:
        first = False
        yield _as_text(batch.to_pandas()) if text else batch.to_pandas()
    if first:  # no rows: the columns still make the table
        empty = reader.schema.empty_table().to_pandas()
        yield _as_text(empty) if text else empty


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({c: "string" for c in df.columns if c != "_row_number"})


def load_via_dataframes(wh: Warehouse, spec: TableSpec, landing_dir: Path,
                        loaded_at: dt.datetime | None = None) -> LoadResult:
    """Classify in an in-memory DuckDB (the warehouse's memory limit and spill folder), then
    stream both tables through `Warehouse.write_frames` chunk by chunk, so no file is
    ever held in Python whole.

    `write_df` infers column types from pandas dtypes (a nullable integer arrives
    as float, a date as text), so the raw table is re-typed per the contract
    in the warehouse afterwards.
    """
    loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    landing = _locate(spec, landing_dir)
    result = LoadResult(spec.system, spec.table, str(landing.path) if landing else None,
                        landing.format if landing else None)
    staging = f"{spec.table}__loading"
    with wh.scratch_duckdb() as con:
        good, bad = _classify_into(con, spec, landing, loaded_at, result)
        columns = [d[0] for d in con.execute(f"describe {good}").fetchall()]
        written = wh.write_frames(_frames(con, good), spec.raw_schema, staging)
        rejected = wh.write_frames(_frames(con, bad, text=True), QUARANTINE_SCHEMA, spec.quarantine_table)
    contract = {c.name: c for c in spec.columns}
    cols = ", ".join(
        f"CAST({c} AS {SNOWFLAKE_TYPES[contract[c].type]}) AS {c}" if c in contract
        else ("CAST(_loaded_at AS TIMESTAMP_NTZ) AS _loaded_at" if c == "_loaded_at" else c)
        for c in columns
    )
    wh.execute(f"create or replace table {spec.raw_schema}.{spec.table} as "
               f"select {cols} from {spec.raw_schema}.{staging}")
    wh.execute(f"drop table if exists {spec.raw_schema}.{staging}")
    result.assert_nothing_lost()
    if written != result.rows_loaded or rejected != result.rows_quarantined:
        raise AssertionError(f"{spec.system}.{spec.table}: wrote {written} + {rejected} rows, "
                             f"expected {result.rows_loaded} + {result.rows_quarantined}")
    return result
