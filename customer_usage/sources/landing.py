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
EXTRACT_SUFFIXES = (".parquet", ".csv")  # the FORMATS as suffixes
# Files being written by common tools; never loaded half-written.
IGNORED_PREFIXES = (".", "~", "_")
IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp")


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


def contract_tables() -> set[tuple[str, str]]:
    return {(spec.system, spec.table) for spec in load_contract()}


def table_of(relative_path: str) -> tuple[str, str] | None:
    """`zuora/account.csv` -> ("zuora", "account"); None when not in the landing layout."""
    parts = relative_path.split("/")
    if len(parts) != 2:
        return None
    system, filename = parts
    path = Path(filename)
    if path.suffix.lower() not in EXTRACT_SUFFIXES:
        return None
    return system, path.stem


def list_extract_files(landing_dir: Path) -> dict[str, Path]:
    """`<system>/<table>.parquet|csv` files, by path relative to the landing folder."""
    files: dict[str, Path] = {}
    if not landing_dir.is_dir():
        return files
    for system_dir in sorted(landing_dir.iterdir()):
        if not system_dir.is_dir() or system_dir.name.startswith(IGNORED_PREFIXES):
            continue
        for path in sorted(system_dir.iterdir()):
            name = path.name
            if (
                not path.is_file()
                or name.startswith(IGNORED_PREFIXES)
                or name.lower().endswith(IGNORED_SUFFIXES)
                or path.suffix.lower() not in EXTRACT_SUFFIXES
            ):
                continue
            files[f"{system_dir.name}/{name}"] = path
    return files
