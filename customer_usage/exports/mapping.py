"""Field mappings as data: which sync-model column goes to which destination field.

One YAML file per export in `customer_usage/exports/mappings/` (a Salesforce
admin's field names are configuration, not code). Which usage metrics are
exported is the metric catalog's `exports:` list; the mapping names their
destination field with a template, and may rename one in `fields`.

Validated when definitions load, so a wrong mapping fails before any run with
the file and line: an unknown column (not a column of the sync model as
documented in dbt_project/models/exports/_exports__models.yml, nor a catalog
metric exported here), a destination field used twice, a missing key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from customer_usage.catalog.catalog import CATALOG_PATH, load_catalog
from customer_usage.settings import DBT_PROJECT_DIR

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
SYNC_MODELS_YML = DBT_PROJECT_DIR / "models" / "exports" / "_exports__models.yml"
ON_REMOVED = ("clear", "delete", "ignore")
DEFAULT_ON_REMOVED = {"salesforce": "clear", "gainsight": "delete", "outbox": "clear"}
FIELD_TYPES = ("string", "text", "number", "percent", "date", "datetime", "boolean")
CATALOG_TYPES = {"setting": "boolean"}


class MappingError(ValueError):
    """A mapping file breaks a rule; the message names the file and line."""


@dataclass(frozen=True)
class FieldMap:
    column: str
    field: str
    type: str
    is_metric: bool = False


@dataclass(frozen=True)
class ExportMapping:
    export: str
    destination: str
    source_model: str
    key_column: str
    key_field: str
    on_removed: str
    fields: tuple[FieldMap, ...]  # the key first
    path: Path

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def field_names(self) -> list[str]:
        return [f.field for f in self.fields]

    def with_key_field(self, key_field: str | None) -> "ExportMapping":
        """The same mapping with another key field (SFDC_EXTERNAL_ID_FIELD overrides the file)."""
        if not key_field or key_field == self.key_field:
            return self
        fields = tuple(FieldMap(f.column, key_field if f.column == self.key_column else f.field, f.type, f.is_metric)
                       for f in self.fields)
        return ExportMapping(self.export, self.destination, self.source_model, self.key_column, key_field,
                             self.on_removed, fields, self.path)


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _child(node: yaml.MappingNode, name: str) -> yaml.Node | None:
    for key, value in node.value:
        if key.value == name:
            return value
    return None


def _name(node: yaml.MappingNode | None, name: str) -> yaml.Node | None:
    """The node of the key itself (`name:`), for an error on that line."""
    for key, _ in (node.value if isinstance(node, yaml.MappingNode) else []):
        if key.value == name:
            return key
    return node


def documented_columns(model: str, path: Path = SYNC_MODELS_YML) -> set[str] | None:
    """The columns the dbt yml documents for a sync model (None: model not documented)."""
    document = yaml.safe_load(path.read_text()) or {}
    for entry in document.get("models") or []:
        if entry.get("name") == model:
            return {str(c["name"]).lower() for c in entry.get("columns") or []}
    return None


def load_mapping(path: Path | str, catalog_path: Path | str = CATALOG_PATH,
                 models_yml: Path = SYNC_MODELS_YML) -> ExportMapping:
    path = Path(path)
    try:
        root = yaml.compose(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the field mapping ({exc})") from exc
    if not isinstance(root, yaml.MappingNode):
        raise MappingError(f"{path}:1: a field mapping is a YAML mapping")
    raw: dict[str, Any] = yaml.safe_load(path.read_text())

    def fail(node, message):
        raise MappingError(f"{path}:{_line(node)}: {message}")

    for required in ("export", "destination", "source_model", "key"):
        if not raw.get(required):
            fail(root, f"missing `{required}`")
    key_node = _child(root, "key")
    key = raw["key"]
    if not isinstance(key, dict) or not key.get("column") or not key.get("field"):
        fail(_name(root, "key"), "`key` needs `column` (the sync model's key column) and `field` (the destination's)")
    destination = str(raw["destination"])
    on_removed = raw.get("on_removed") or DEFAULT_ON_REMOVED.get(destination, "clear")
    if on_removed not in ON_REMOVED:
        fail(_name(root, "on_removed"), f"on_removed {on_removed!r} is not one of {', '.join(ON_REMOVED)}")
    if destination == "salesforce" and on_removed == "delete":
        fail(_name(root, "on_removed"), "on_removed `delete` is not supported for Salesforce: the export "
                                         "owns fields of the account, not the account (use clear or ignore)")

    model = str(raw["source_model"])
    known = documented_columns(model, models_yml)
    if known is None:
        fail(_name(root, "source_model"), f"sync model {model!r} is not documented in {models_yml}")
    export = str(raw["export"])
    metrics = [m for m in load_catalog(catalog_path) if export in m.exports]
    known |= {m.column for m in metrics}

    key_column = str(key["column"]).lower()
    if key_column not in known:
        fail(_name(key_node, "column"), f"key column {key_column!r} is not a column of {model}")
    entries: list[tuple[FieldMap, yaml.Node]] = [
        (FieldMap(key_column, str(key["field"]), "string"), _name(key_node, "field"))]
    fields_node = _child(root, "fields")
    explicit = raw.get("fields") or {}
    if not isinstance(explicit, dict):
        fail(fields_node, "`fields` maps a column to {field: <destination field>, type: <type>}")
    for (column_node, value_node), (column, spec) in zip(fields_node.value if fields_node else [], explicit.items()):
        column = str(column).lower()
        if column not in known:
            fail(column_node, f"unknown column {column!r}: not a column of {model} nor a catalog metric "
                              f"exported to {export}")
        if column == key_column:
            fail(column_node, f"column {column!r} is the key: map it under `key`")
        spec = {"field": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not spec.get("field"):
            fail(value_node, f"column {column!r} needs a destination `field`")
        field_type = spec.get("type", "string")
        if field_type not in FIELD_TYPES:
            fail(value_node, f"column {column!r}: type {field_type!r} is not one of {', '.join(FIELD_TYPES)}")
        is_metric = any(m.column == column for m in metrics)
        entries.append((FieldMap(column, str(spec["field"]), field_type, is_metric), column_node))

    template = (raw.get("metrics") or {}).get("field", "{column}")
    metric_type = (raw.get("metrics") or {}).get("type", "number")
    mapped = {f.column for f, _ in entries}
    for metric in metrics:
        if metric.column not in mapped:
            field = template.format(column=metric.column)
            entries.append((FieldMap(metric.column, field, CATALOG_TYPES.get(metric.counts, metric_type), True),
                            _name(root, "metrics")))

    seen: dict[str, int] = {}
    for field_map, node in entries:
        if field_map.field in seen:
            fail(node, f"destination field {field_map.field!r} is mapped twice "
                       f"(also on line {seen[field_map.field]})")
        seen[field_map.field] = _line(node)
    return ExportMapping(export=export, destination=destination, source_model=model, key_column=key_column,
                         key_field=str(key["field"]), on_removed=on_removed,
                         fields=tuple(f for f, _ in entries), path=path)


def load_mappings(folder: Path | str = MAPPINGS_DIR, **kwargs) -> dict[str, ExportMapping]:
    """Every export's mapping, by export name; an export mapped twice is an error."""
    mappings: dict[str, ExportMapping] = {}
    for path in sorted(Path(folder).glob("*.yml")):
        mapping = load_mapping(path, **kwargs)
        if mapping.export in mappings:
            raise MappingError(f"{path}:1: export {mapping.export!r} is already mapped in "
                               f"{mappings[mapping.export].path}")
        mappings[mapping.export] = mapping
    catalog_path = kwargs.get("catalog_path", CATALOG_PATH)
    for metric in load_catalog(catalog_path):
        unknown = sorted(set(metric.exports) - set(mappings))
        if unknown:  # a typo there would silently keep the metric from its export
            raise MappingError(f"{catalog_path}: metric {metric.column!r} names export(s) {', '.join(unknown)} "
                               f"that have no field mapping in {folder}")
    return mappings


def default_mapping(export: str) -> ExportMapping:
    return load_mapping(MAPPINGS_DIR / f"{export}.yml")
