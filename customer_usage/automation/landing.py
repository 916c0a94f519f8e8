"""What changed in the landing folder since the last look.

The arrival sensor keeps, per extract file, (size, mtime_ns, sha256). A file
counts as changed when its content hash differs; the hash is only recomputed
when size or mtime moved, so a tick over a large, quiet folder costs one
`stat` per file. A file touched without a content change updates the cursor
but requests nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from customer_usage.sources.landing import contract_tables, list_extract_files, table_of

__all__ = ["contract_tables", "list_extract_files", "table_of", "scan_landing", "LandingChanges"]

FileState = tuple[int, int, str]  # size, mtime_ns, sha256


def file_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class LandingChanges:
    """The outcome of comparing the landing folder with the cursor."""

    state: dict[str, FileState]
    changed: dict[str, FileState] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)

    @property
    def changed_tables(self) -> list[tuple[str, str]]:
        known = contract_tables()
        tables = {table_of(p) for p in self.changed}
        return sorted(t for t in tables if t in known)

    def run_key(self) -> str:
        """Same change set -> same key, so a re-evaluated tick never launches twice."""
        payload = json.dumps(sorted(self.changed.items()), separators=(",", ":"))
        return "landing-" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def parse_cursor(cursor: str | None) -> dict[str, FileState]:
    if not cursor:
        return {}
    raw = json.loads(cursor)
    return {path: (int(v[0]), int(v[1]), str(v[2])) for path, v in raw.items()}


def dump_cursor(state: Mapping[str, FileState]) -> str:
    return json.dumps({p: list(v) for p, v in sorted(state.items())}, separators=(",", ":"))


def scan_landing(
    landing_dir: Path,
    previous: Mapping[str, FileState],
    settle_seconds: float = 0.0,
    now: float | None = None,
) -> LandingChanges:
    """Compare the folder with `previous`; hash only files whose size or mtime moved.

    A changed file modified less than `settle_seconds` ago is listed as unsettled:
    a copy may still be in progress, and files of one drop should land in one run.
    """
    now = time.time() if now is None else now
    known = contract_tables()
    result = LandingChanges(state={})
    for rel, path in list_extract_files(landing_dir).items():
        stat = path.stat()
        size, mtime_ns = stat.st_size, stat.st_mtime_ns
        before = previous.get(rel)
        if before is not None and before[0] == size and before[1] == mtime_ns:
            result.state[rel] = before
            continue
        if now - mtime_ns / 1e9 < settle_seconds:
            result.unsettled.append(rel)
            if before is not None:
                result.state[rel] = before
            continue
        sha = file_sha256(path)
        result.state[rel] = (size, mtime_ns, sha)
        if before is not None and before[2] == sha:
            continue  # touched, same content
        if table_of(rel) not in known:
            result.unknown.append(rel)
            continue
        result.changed[rel] = result.state[rel]
    result.removed = sorted(set(previous) - set(result.state) - set(result.unsettled))
    return result
