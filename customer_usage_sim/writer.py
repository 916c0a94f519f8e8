"""Deterministic Parquet output in the landing layout, typed by the source contract.

Byte-identical files for the same seed are a tested promise, so every writer
uses the same fixed settings (codec, level, page and row-group layout) and
no pandas metadata; tables too big for memory are written in row groups.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_usage.sources.contract import TableSpec

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "json": pa.string(),
}
PARQUET_OPTIONS = dict(compression="zstd", compression_level=3, write_statistics=True,
                       version="2.6", data_page_size=1 << 20)
NO_DICTIONARY = {"payload", "id"}  # unique per row: a dictionary is wasted work


def to_arrow(values, typ: pa.DataType, where: str) -> pa.Array:
    """Convert numpy/pandas/list/arrow values to `typ`; the message names the column on failure."""
    try:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return values if values.type == typ else values.cast(typ)
        if isinstance(values, pd.Series):
            values = values.to_numpy() if values.dtype.kind in "Mm" else values
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            if typ == pa.date32():
                return pa.array(values.astype("datetime64[D]"), type=pa.date32())
            return pa.array(values.astype("datetime64[us]"), type=typ)
        if typ == pa.int64() and isinstance(values, np.ndarray) and values.dtype.kind == "f":
            mask = np.isnan(values)
            return pa.array(np.where(mask, 0, values).astype(np.int64), type=typ, mask=mask)
        arr = pa.array(values, from_pandas=True)
        return arr if arr.type == typ else arr.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise ValueError(f"generator: cannot write {where} as {typ}: {exc}") from exc


def contract_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=True) for c in spec.columns])


class TableWriter:
    """Write one landing table, possibly in several row groups."""

    def __init__(self, path: Path, schema: pa.Schema, label: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.schema, self.label = path, schema, label
        self.rows = 0
        dictionary = [f.name for f in schema if f.name not in NO_DICTIONARY]
        self._writer = pq.ParquetWriter(str(path), schema, use_dictionary=dictionary, **PARQUET_OPTIONS)

    def write(self, columns: Mapping[str, object] | pd.DataFrame) -> None:
        arrays = []
        for field in self.schema:
            if field.name not in columns:
                raise KeyError(f"generator: {self.label} has no value for column {field.name!r}")
            arrays.append(to_arrow(columns[field.name], field.type, f"{self.label}.{field.name}"))
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        if table.num_rows:
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows

    def close(self) -> int:
        self._writer.close()
        return self.rows


def write_contract_table(landing: Path, spec: TableSpec, frame: pd.DataFrame | Mapping[str, object]) -> int:
    w = TableWriter(landing / spec.system / f"{spec.table}.parquet", contract_schema(spec), f"{spec.system}.{spec.table}")
    w.write(frame)
    return w.close()


def infer_schema(frame: pd.DataFrame) -> pa.Schema:
    """Schema of a truth frame: declared by its dtypes (object columns are strings)."""
    fields = []
    for name, dtype in frame.dtypes.items():
        if dtype.kind == "b" or str(dtype) == "boolean":
            t = pa.bool_()
        elif dtype.kind in "iu" or str(dtype) == "Int64":
            t = pa.int64()
        elif dtype.kind == "f":
            t = pa.float64()
        elif dtype.kind == "M":
            t = pa.timestamp("us")
        else:
            t = pa.string()
        fields.append(pa.field(name, t))
    return pa.schema(fields)


def write_frame(path: Path, frame: pd.DataFrame, schema: pa.Schema | None = None,
                date_columns: tuple[str, ...] = ()) -> int:
    schema = schema or infer_schema(frame)
    for name in date_columns:
        schema = schema.set(schema.get_field_index(name), pa.field(name, pa.date32()))
    w = TableWriter(path, schema, path.name)
    w.write(frame)
    return w.close()
