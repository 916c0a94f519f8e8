"""Where a CSV file breaks, in words a person can act on: file, line, column.

DuckDB's reader reports a malformed CSV as a dialect-sniffing failure with its
own query text, no line number. When it fails, this module walks the file once
(only then: the happy path never pays for it) with the contract's dialect —
comma-delimited, `"` quotes doubled inside quoted fields — and names the first
problem: a quote that never closes, text after a closing quote, or a
line with more or fewer fields than the header. A header that looks delimited by
`;`, tab or `|` gets a hint instead of "every column missing".
"""

from __future__ import annotations

from pathlib import Path

OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "pipes"}


def delimiter_hint(path: Path, header: list[str]) -> str | None:
    """A hint when a header parsed as one column is evidently delimited by something else."""
    if len(header) != 1:
        return None
    for delim, name in OTHER_DELIMITERS.items():
        if header[0].count(delim) >= 1:
            return (f"{path}: the header row is one column when read comma-delimited but holds "
                    f"{header[0].count(delim) + 1} fields separated by {name}; the contract's CSV is "
                    f"comma-delimited: save the file with ',' as the delimiter")
    return None


def _column_name(header: list[str], index: int) -> str:
    return repr(header[index]) if index < len(header) else f"#{index + 1} (beyond the header's {len(header)})"


def diagnose(path: Path, max_bytes: int = 512 * 1024 * 1024) -> str | None:
    """The first structural problem of a CSV file as `<path>: line N, column 'c': ...`, or None."""
    path = Path(path)
    if path.stat().st_size > max_bytes:
        return None
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    header: list[str] = []
    fields: list[str] = []
    field = []
    line = 1
    row_start_line = 1
    in_quotes = False
    quote_line = quote_field = 0
    i, n = 0, len(text)

    def end_row() -> str | None:
        nonlocal fields, header
        fields.append("".join(field))
        if not header:
            header = [f.strip() for f in fields]
        elif fields != [""] and len(fields) != len(header):
            return (f"{path}: line {row_start_line} has {len(fields)} fields but the header has "
                    f"{len(header)} (an unquoted comma in a value, or a missing one?)")
        fields = []
        return None

    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    field.append('"')
                    i += 2
                    continue
                in_quotes = False
                nxt = text[i + 1] if i + 1 < n else "\n"
                if nxt not in ",\r\n":
                    return (f"{path}: line {line}, column {_column_name(header, len(fields))}: "
                            f"text after a closing quote; a quote inside a quoted value must be doubled (\"\")")
            else:
                if ch == "\n":
                    line += 1
                field.append(ch)
            i += 1
            continue
        if ch == '"' and not field:
            in_quotes, quote_line, quote_field = True, line, len(fields)
        elif ch == ",":
            fields.append("".join(field))
            field = []
        elif ch in "\r\n":
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            problem = end_row()
            if problem:
                return problem
            field = []
            line += 1
            row_start_line = line
        else:
            field.append(ch)
        i += 1
    if in_quotes:
        return (f"{path}: line {quote_line}, column {_column_name(header, quote_field)}: a quote opens a value "
                "that never closes (unbalanced quote); close it or double the quote inside the value (\"\")")
    if field or fields:
        return end_row()
    return None
