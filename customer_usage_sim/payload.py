"""Service Ping payloads built column-wise with pyarrow string kernels.

A payload is GitLab's nested JSON document. Building hundreds of thousands of
them row by row in Python would dominate generation time, so the document is
described once as a nested template of keys whose values are arrays of JSON
text; a NULL value removes its key (a metric absent from an older ping).
"""

from __future__ import annotations

from typing import Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Value = Union[str, pa.Array, list]  # literal JSON text, per-row JSON text (NULL = key absent), nested object


def json_int(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Integers as JSON text; rows where `valid` is False become JSON null."""
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    if valid is not None:
        arr = pc.if_else(pa.array(np.asarray(valid, dtype=bool)), arr, "null")
    return arr


def json_str(values) -> pa.Array:
    """Strings as JSON text (quoted); NULL becomes JSON null. Values must need no escaping."""
    arr = pa.array(values, type=pa.string()) if not isinstance(values, pa.Array) else values
    quoted = pc.binary_join_element_wise('"', arr, '"', "")
    return pc.fill_null(quoted, "null")


def json_bool(values: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(values, dtype=bool)), "true", "false")


def optional(text: pa.Array, absent: np.ndarray) -> pa.Array:
    """Mark rows whose key must be left out of the document."""
    return pc.if_else(pa.array(np.asarray(absent, dtype=bool)), pa.scalar(None, pa.string()), text)


def _emit(parts: list, items: list[tuple[str, Value]]) -> None:
    parts.append("{")
    for i, (key, value) in enumerate(items):
        sep = "" if i == len(items) - 1 else ", "
        if isinstance(value, list):
            parts.append(f'"{key}": ')
            _emit(parts, value)
            parts.append(sep)
        elif isinstance(value, str):
            parts.append(f'"{key}": {value}{sep}')
        elif value.null_count:
            if sep == "":
                raise ValueError(f"payload key {key!r} may be absent but closes its object; add a fixed key after it")
            # NULL stays NULL through the join, and the final concat skips it: the key disappears.
            parts.append(pc.binary_join_element_wise(f'"{key}": ', value, sep, ""))
        else:
            parts.extend([f'"{key}": ', value, sep])
    parts.append("}")


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render(template: list[tuple[str, Value]], n: int) -> pa.Array:
    """One JSON document per row from the nested template.

    The final concatenation runs in DuckDB: its `concat` is vectorized,
    multi-threaded and skips NULL arguments, which is exactly "leave the key out".
    """
    import duckdb

    parts: list = []
    _emit(parts, template)
    merged: list = []
    for p in parts:  # fold neighbouring literals
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif not (isinstance(p, str) and p == ""):
            merged.append(p)
    arrays = {f"c{i}": p for i, p in enumerate(merged) if not isinstance(p, str)}
    if not arrays:
        return pa.array(["".join(merged)] * n, type=pa.string())
    args = [_sql_literal(p) if isinstance(p, str) else f"c{i}" for i, p in enumerate(merged)]
    table = pa.table(arrays)
    with duckdb.connect() as con:
        con.register("pieces", table)
        out = con.sql(f"select concat({', '.join(args)}) as doc from pieces").to_arrow_table()
    return out.column("doc").combine_chunks().cast(pa.string())


def nest(paths: dict[str, Value]) -> list[tuple[str, Value]]:
    """Turn {"a.b.c": v} into the nested template [("a", [("b", [("c", v)])])], keeping order."""
    root: dict = {}
    for path, value in paths.items():
        node = root
        keys = path.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value

    def to_items(d: dict) -> list:
        return [(k, to_items(v) if isinstance(v, dict) else v) for k, v in d.items()]

    return to_items(root)
