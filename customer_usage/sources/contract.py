"""Reads `contract.yml`, the machine-readable form of data-contract §2.

Everything that needs to know the source tables (loaders, pandera schemas,
quarantine rules, the generator, tests) asks this module, so the contract is
written down once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT_PATH = Path(__file__).with_name("contract.yml")
LOGICAL_TYPES = ("string", "integer", "float", "boolean", "date", "timestamp", "json")
# `reference`: optional analyst-maintained tables (data-contract §6), e.g. installation types.
SYSTEMS = ("gitlab_dotcom", "customers_db", "license_db", "zuora", "version_db", "sfdc", "reference")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = True
    accepted: tuple | None = None
    min: float | None = None
    json_object: bool = False
    # "sfdc_id": a Salesforce id (15/18 letters and digits, 18 with a matching checksum).
    format: str | None = None


FORMATS = ("sfdc_id",)


@dataclass(frozen=True)
class TableSpec:
    system: str
    table: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    pii: tuple[str, ...] = field(default=())
    # Rows a landing file must hold: 0 = the table may be empty (or its file absent).
    min_rows: int = 0
    description: str = ""

    @property
    def asset_key(self) -> list[str]:
        """Dagster asset key; dbt sources attach to it through meta.dagster.asset_key."""
        return [self.system, self.table]

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.system}"

    @property
    def quarantine_table(self) -> str:
        return f"{self.system}__{self.table}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.system}.{self.table} has no column {name!r} in the contract")


def _column(name: str, raw, primary_key: tuple[str, ...]) -> ColumnSpec:
    spec = {"type": raw} if isinstance(raw, str) else dict(raw)
    if spec["type"] not in LOGICAL_TYPES:
        raise ValueError(f"contract column {name!r}: unknown type {spec['type']!r}")
    return ColumnSpec(
        name=name,
        type=spec["type"],
        required=bool(spec.get("required", True)) or name in primary_key,
        accepted=tuple(spec["accepted"]) if "accepted" in spec else None,
        min=spec.get("min"),
        json_object=bool(spec.get("json_object", False)),
        format=_format(name, spec.get("format")),
    )


def _format(name: str, value) -> str | None:
    if value is not None and value not in FORMATS:
        raise ValueError(f"contract column {name!r}: unknown format {value!r} (known: {', '.join(FORMATS)})")
    return value


@lru_cache(maxsize=None)
def load_contract(path: Path = CONTRACT_PATH) -> tuple[TableSpec, ...]:
    raw = yaml.safe_load(Path(path).read_text())
    tables = []
    for system, system_tables in raw.items():
        for table, spec in system_tables.items():
            pk = tuple(spec.get("primary_key") or ())
            tables.append(
                TableSpec(
                    system=system,
                    table=table,
                    primary_key=pk,
                    columns=tuple(_column(n, c, pk) for n, c in spec["columns"].items()),
                    pii=tuple(spec.get("pii") or ()),
                    min_rows=int(spec.get("min_rows", 0)),
                    description=str(spec.get("description", "")),
                )
            )
    return tuple(tables)


def table_spec(system: str, table: str) -> TableSpec:
    for spec in load_contract():
        if spec.system == system and spec.table == table:
            return spec
    raise KeyError(f"no source table {system}/{table} in the contract")
