"""Coverage thresholds from `coverage_thresholds.yml` (or the file named by
`CUSTOMER_USAGE_COVERAGE_THRESHOLDS`, `Settings.coverage_thresholds_path`), read
when definitions are built.

`min_sample`: a measure over fewer rows than this (its denominator) is reported
as WARN whatever its value and never holds an export back: 2 of 3 rows says
little about a join.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("coverage_thresholds.yml")
DEFAULT_MIN_SAMPLE = 5


@dataclass(frozen=True)
class Threshold:
    warn: float
    error: float
    min_sample: int = DEFAULT_MIN_SAMPLE


def thresholds_path(settings=None) -> Path:
    configured = getattr(settings, "coverage_thresholds_path", None)
    return Path(configured or DEFAULT_PATH)


def load_thresholds(path: Path | None = None, measures=(), settings=None) -> dict[str, Threshold]:
    """Threshold per measure; a measure the file does not name gets the defaults."""
    path = Path(path or thresholds_path(settings))
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
            min_sample = int(values.get("min_sample", DEFAULT_MIN_SAMPLE))
        except KeyError as exc:
            raise ValueError(f"{path}: measure {name!r} has no {exc.args[0]!r} threshold") from None
        if not 0 <= error <= warn <= 1:
            raise ValueError(f"{path}: measure {name!r} needs 0 <= error ({error}) <= warn ({warn}) <= 1")
        if min_sample < 1:
            raise ValueError(f"{path}: measure {name!r} needs min_sample >= 1 (got {min_sample})")
        result[name] = Threshold(warn=warn, error=error, min_sample=min_sample)
    return result
