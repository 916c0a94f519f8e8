"""Finding a source table's file in the landing folder, and what else lies there.

The landing layout (data-contract §2) is `<landing>/<system>/<table>.csv|parquet`.
Everything that does not match a contract table is reported, never loaded, so a
misspelt file name is seen instead of silently ignored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from customer_usage.sources.contract import TableSpec, load_contract

FORMATS = ("csv", "parquet")


class SourceFileError(ValueError):
    """A file-level problem: the asset fails with this message (it names file, table, column)."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    format: str  # "csv" or "parquet"


def expected_paths(landing_dir: Path, spec: TableSpec) -> list[Path]:
    return [Path(landing_dir) / spec.system / f"{spec.table}.{fmt}" for fmt in FORMATS]


def find_table_file(landing_dir: Path, spec: TableSpec) -> LandingFile | None:
    """The one file holding `spec`'s rows, or None; both formats at once is ambiguous."""
    present = [p for p in expected_paths(landing_dir, spec) if p.is_file()]
    if len(present) > 1:
        raise SourceFileError(
            f"{spec.system}.{spec.table}: both {present[0]} and {present[1]} exist; "
            "keep exactly one file per table"
        )
    if not present:
        return None
    return LandingFile(path=present[0], format=present[0].suffix.lstrip("."))


def unknown_files(landing_dir: Path) -> list[str]:
    """Files (relative paths) in the landing folder that no contract table claims.

    Hidden files (".DS_Store", "._x") and folders are skipped; a file in an unknown
    system folder or with an unknown table name is listed.
    """
    root = Path(landing_dir)
    if not root.is_dir():
        return []
    known = {
        (spec.system, f"{spec.table}.{fmt}") for spec in load_contract() for fmt in FORMATS
    }
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if len(rel.parts) != 2 or (rel.parts[0], rel.parts[1]) not in known:
            found.append(rel.as_posix())
    return found


def read_csv_header(path: Path) -> list[str]:
    """The header row's names, read by Python so duplicates and bad bytes get a precise message.

    DuckDB would silently rename a duplicated column (`id`, `id_1`), hiding the problem.
    """
    with open(path, "rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise SourceFileError(f"{path}: the file is empty (no header row)")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            f"{path}: the header row is not UTF-8 (byte {first[exc.start:exc.start + 1]!r} "
            f"at position {exc.start}); save the file as UTF-8"
        ) from None
    return [name.strip() for name in next(csv.reader(io.StringIO(text)))]


def duplicated(names: list[str]) -> list[str]:
    seen, dupes = set(), []
    for name in names:
        key = name.lower()
        if key in seen and key not in dupes:
            dupes.append(key)
        seen.add(key)
    return dupes
