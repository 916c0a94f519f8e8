"""Reads the metric catalog, the one file that lists the mart's metric columns.

The catalog lives in `dbt_project/models/metric_catalog.yml` as the `meta` of the
`dim_metric` model, so dbt reads it through its graph (no code generation) and
Python reads the very same file here. Validation here mirrors the checks of the
dbt macro `metric_catalog()`, so a bad edit fails in tests before it fails a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from customer_usage.settings import DBT_PROJECT_DIR

CATALOG_PATH = DBT_PROJECT_DIR / "models" / "metric_catalog.yml"
CATALOG_MODEL = "dim_metric"

TIME_FRAMES = ("28d", "all", "none")
COUNTS = ("users", "events", "setting", "ratio", "label")
SOURCES = ("service_ping", "seats")
REQUIRED = ("column", "wave", "time_frame", "counts", "stage", "source", "description")

_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY_PATH = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
# What a column's suffix promises, checked against time_frame and counts.
_SUFFIX_TIME_FRAME = {"_28_days": "28d", "_all_time": "all"}
_SUFFIX_COUNTS = {"_user": "users", "_event": "events"}


class CatalogError(ValueError):
    """The catalog breaks a rule; the message names the file and the metric."""


@dataclass(frozen=True)
class Metric:
    column: str
    key_path: str | None
    wave: int
    time_frame: str
    counts: str
    stage: str
    source: str
    description: str
    exports: tuple[str, ...] = ()  # the exports that send this metric (customer_usage/exports/mapping.py)

    @property
    def is_extracted(self) -> bool:
        """True when the value is read from Service Ping payloads by its key path."""
        return self.source == "service_ping"


def _raw_metrics(document: dict, path: Path) -> list:
    for model in document.get("models") or []:
        if model.get("name") == CATALOG_MODEL:
            meta = (model.get("config") or {}).get("meta") or {}
            metrics = meta.get("metric_catalog")
            if not isinstance(metrics, list) or not metrics:
                raise CatalogError(f"{path}: model {CATALOG_MODEL} has no list config.meta.metric_catalog")
            return metrics
    raise CatalogError(f"{path}: no model named {CATALOG_MODEL} holding the metric catalog")


def _metric(raw, index: int, path: Path) -> Metric:
    where = f"{path}: metric #{index + 1}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} is not a mapping")
    name = raw.get("column")
    if name:
        where = f"{path}: metric {name!r}"
    missing = [f for f in REQUIRED if raw.get(f) in (None, "")]
    if missing:
        raise CatalogError(f"{where} lacks {', '.join(missing)}")
    unknown = sorted(set(raw) - set(REQUIRED) - {"key_path", "exports"})
    if unknown:
        raise CatalogError(f"{where} has unknown fields {', '.join(unknown)}")
    if not _COLUMN.match(str(name)):
        raise CatalogError(f"{where}: column must be lower_snake_case")
    checks = (
        ("time_frame", TIME_FRAMES),
        ("counts", COUNTS),
        ("source", SOURCES),
    )
    for field, allowed in checks:
        if raw[field] not in allowed:
            raise CatalogError(f"{where}: unknown {field} {raw[field]!r} (one of {', '.join(allowed)})")
    if not isinstance(raw["wave"], int) or raw["wave"] < 1:
        raise CatalogError(f"{where}: wave must be a positive integer, not {raw['wave']!r}")
    key_path = raw.get("key_path")
    if key_path is not None and not _KEY_PATH.match(str(key_path)):
        raise CatalogError(f"{where}: key_path {key_path!r} is not a dotted Service Ping path")
    if raw["source"] == "service_ping":
        if not key_path:
            raise CatalogError(f"{where}: a service_ping metric needs a key_path")
        if raw["counts"] not in ("users", "events", "setting"):
            raise CatalogError(f"{where}: a service_ping metric counts users, events or a setting")
    for suffix, time_frame in _SUFFIX_TIME_FRAME.items():
        if suffix in name and raw["time_frame"] != time_frame:
            raise CatalogError(f"{where}: the name says {suffix} but time_frame is {raw['time_frame']!r}")
    for suffix, counts in _SUFFIX_COUNTS.items():
        if name.endswith(suffix) and raw["counts"] != counts:
            raise CatalogError(f"{where}: the name ends in {suffix} but counts is {raw['counts']!r}")
    exports = raw.get("exports") or []
    if not isinstance(exports, list) or not all(isinstance(e, str) and _COLUMN.match(e) for e in exports):
        raise CatalogError(f"{where}: exports must be a list of export names, not {exports!r}")
    return Metric(
        column=name,
        key_path=key_path,
        wave=raw["wave"],
        time_frame=raw["time_frame"],
        counts=raw["counts"],
        stage=str(raw["stage"]),
        source=raw["source"],
        description=" ".join(str(raw["description"]).split()),
        exports=tuple(exports),
    )


def load_catalog(path: Path | str = CATALOG_PATH) -> tuple[Metric, ...]:
    """All metrics of the catalog in file order; raises CatalogError on a bad entry."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the metric catalog ({exc})") from exc
    metrics = [_metric(raw, i, path) for i, raw in enumerate(_raw_metrics(document or {}, path))]
    seen: dict[str, int] = {}
    seen_paths: dict[str, str] = {}
    for m in metrics:
        if m.column in seen:
            raise CatalogError(f"{path}: duplicate metric column {m.column!r}")
        seen[m.column] = 1
        if m.is_extracted:
            if m.key_path in seen_paths:
                raise CatalogError(
                    f"{path}: metrics {seen_paths[m.key_path]!r} and {m.column!r} read the same key_path {m.key_path!r}"
                )
            seen_paths[m.key_path] = m.column
    return tuple(metrics)


def extracted_metrics(path: Path | str = CATALOG_PATH) -> tuple[Metric, ...]:
    """The metrics read from Service Ping payloads (what the dbt extraction generates)."""
    return tuple(m for m in load_catalog(path) if m.is_extracted)
