"""Cross-checks the catalog against a folder of GitLab's own metric definition files.

GitLab keeps one YAML file per Service Ping metric (`key_path`, `time_frame`,
`status`, `description`, ...). Comparing with them catches a typo in a key path
(the metric would silently be NULL everywhere), a metric GitLab stopped
collecting, and a window that differs from GitLab's. The folder is a setting,
`CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR`, because it is a checkout of GitLab's
repository that this project does not ship.

Run: `python -m customer_usage.catalog.crosscheck [folder]`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from customer_usage.catalog.catalog import CATALOG_PATH, Metric, load_catalog

DEFINITIONS_DIR_VARIABLE = "CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR"
REMOVED_STATUSES = ("removed", "deprecated")


@dataclass(frozen=True)
class Definition:
    key_path: str
    time_frame: str | None
    status: str | None
    description: str | None
    file: Path


@dataclass
class CrossCheckReport:
    """Outcome per catalog metric that has a key path; `ok` means nothing to look at."""

    found: dict[str, Definition] = field(default_factory=dict)  # column -> definition
    unknown: list[Metric] = field(default_factory=list)  # key path has no definition file
    removed: list[tuple[Metric, Definition]] = field(default_factory=list)
    time_frame_mismatches: list[tuple[Metric, Definition]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unknown or self.removed or self.time_frame_mismatches)

    def lines(self) -> list[str]:
        out = [f"{len(self.found)} catalog key paths have a GitLab definition file"]
        out += [f"unknown upstream: {m.column} ({m.key_path})" for m in self.unknown]
        out += [
            f"removed upstream: {m.column} ({m.key_path}, status {d.status!r} in {d.file.name})"
            for m, d in self.removed
        ]
        out += [
            f"time frame differs: {m.column} is {m.time_frame!r}, GitLab says {d.time_frame!r} ({d.file.name})"
            for m, d in self.time_frame_mismatches
        ]
        return out


def definitions_dir_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """The definitions folder setting (`Settings.metric_definitions_dir`), read when called."""
    from customer_usage.settings import Settings

    return Settings.from_env(environ).metric_definitions_dir


def read_definitions(folder: Path | str) -> dict[str, Definition]:
    """Definition files by key path, searched recursively (GitLab nests them by time frame).

    When several files define one key path (a metric moved between folders), an
    active one wins over a removed one, so a live definition is never hidden.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"metric definitions folder {folder} does not exist")
    found: dict[str, Definition] = {}
    for file in sorted(folder.rglob("*.yml")):
        try:
            doc = yaml.safe_load(file.read_text())
        except yaml.YAMLError as exc:
            raise ValueError(f"metric definition {file} is not valid YAML: {exc}") from exc
        if not isinstance(doc, dict) or not doc.get("key_path"):
            continue
        definition = Definition(
            key_path=str(doc["key_path"]),
            time_frame=str(doc["time_frame"]) if doc.get("time_frame") is not None else None,
            status=str(doc["status"]) if doc.get("status") is not None else None,
            description=doc.get("description") or None,
            file=file,
        )
        current = found.get(definition.key_path)
        if current is None or (current.status in REMOVED_STATUSES and definition.status not in REMOVED_STATUSES):
            found[definition.key_path] = definition
    return found


def cross_check(folder: Path | str, catalog: tuple[Metric, ...] | None = None) -> CrossCheckReport:
    catalog = load_catalog() if catalog is None else catalog
    definitions = read_definitions(folder)
    report = CrossCheckReport()
    for metric in catalog:
        if not metric.key_path:
            continue
        definition = definitions.get(metric.key_path)
        if definition is None:
            report.unknown.append(metric)
            continue
        report.found[metric.column] = definition
        if definition.status in REMOVED_STATUSES:
            report.removed.append((metric, definition))
        if definition.time_frame and definition.time_frame != metric.time_frame:
            report.time_frame_mismatches.append((metric, definition))
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else definitions_dir_from_env()
    if folder is None:
        print(f"give the definitions folder as an argument or in {DEFINITIONS_DIR_VARIABLE}", file=sys.stderr)
        return 2
    report = cross_check(folder, load_catalog(CATALOG_PATH))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
