"""Coverage thresholds from `coverage_thresholds.yml` (or the file named by
`CUSTOMER_USAGE_COVERAGE_THRESHOLDS`), read when definitions are built."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("coverage_thresholds.yml")
PATH_VAR = "CUSTOMER_USAGE_COVERAGE_THRESHOLDS"


@dataclass(frozen=True)
class Threshold:
    warn: float
    error: float


def thresholds_path(environ=None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(PATH_VAR) or DEFAULT_PATH)


def load_thresholds(path: Path | None = None, measures=()) -> dict[str, Threshold]:
    """Threshold per measure; a measure the file does not name gets the defaults."""
    path = Path(path or thresholds_path())
    raw = yaml.safe_load(path.read_text()) or {}
    defaults = raw.get("defaults") or {}
    configured = raw.get("measures") or {}
    unknown = sorted(set(configured) - set(measures)) if measures else []
    if unknown:
        raise ValueError(f"{path}: unknown coverage measure(s) {', '.join(unknown)}")
    result = {}
    for name in measures or configured:
        values = {**defaults, **(configured.get(name) or {})}
        try:
            warn, error = float(values["warn"]), float(values["error"])
        except KeyError as exc:
            raise ValueError(f"{path}: measure {name!r} has no {exc.args[0]!r} threshold") from None
        if not 0 <= error <= warn <= 1:
            raise ValueError(f"{path}: measure {name!r} needs 0 <= error ({error}) <= warn ({warn}) <= 1")
        result[name] = Threshold(warn=warn, error=error)
    return result
