"""Salesforce record ids: the 15-character case-sensitive form and the 18-character form.

Zuora and other systems store Salesforce ids in either form; joins need one.
The 18-character form appends a 3-character checksum that encodes, for each
5-character chunk of the 15-character id, which characters are upper case, so
it survives case-insensitive tools.

This module is the one Python owner of the id alphabet and the checksum: the
generator, the loader's quarantine rule (`sfdc.account.id`), the coverage checks
(SQL) and the tests all ask it. dbt has its own Jinja macro for the warehouse
(`macros/sfdc_id_18.sql`); a test compares the two.

Well-formed = 15 or 18 ASCII letters/digits, and for 18 the checksum matches.
"""

from __future__ import annotations

import re

SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = re.compile(r"[A-Za-z0-9]+")


def _checksum(id15: str) -> str:
    suffix = ""
    for chunk in range(3):
        bits = 0
        for pos, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        suffix += SUFFIX_ALPHABET[bits]
    return suffix


def to_18(id15: str) -> str:
    """Return the 18-character form of a 15- (or already 18-) character Salesforce id."""
    if id15 is None:
        raise ValueError("Salesforce id is None")
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"Salesforce id {id15!r} has {len(id15)} characters, expected 15 or 18")
    return id15 + _checksum(id15)


def to_15(id18: str) -> str:
    """The 15-character (case-sensitive) prefix of an 18-character id."""
    if len(id18) not in (15, 18):
        raise ValueError(f"Salesforce id {id18!r} has {len(id18)} characters, expected 15 or 18")
    return id18[:15]


def is_valid_18(id18: str) -> bool:
    """True when the last three characters are the checksum of the first fifteen."""
    return isinstance(id18, str) and len(id18) == 18 and bool(_ALNUM.fullmatch(id18)) \
        and id18[:15] + _checksum(id18[:15]) == id18


def problem(value: str | None) -> str | None:
    """Why `value` is not a well-formed Salesforce id (None when it is, or is NULL)."""
    if value is None:
        return None
    if len(value) not in (15, 18):
        return f"has {len(value)} characters, expected 15 or 18"
    if not _ALNUM.fullmatch(value):
        return "has characters other than A-Z, a-z, 0-9"
    if len(value) == 18 and not is_valid_18(value):
        return f"checksum {value[15:]!r} does not match its first 15 characters (expected {_checksum(value[:15])!r})"
    return None


def checksum_sql(column: str) -> str:
    """SQL for the 3-character checksum of the first 15 characters of `column`."""
    chunks = []
    for chunk in range(3):
        bits = " + ".join(
            f"case when substr({column}, {chunk * 5 + pos + 1}, 1) between 'A' and 'Z' then {1 << pos} else 0 end"
            for pos in range(5)
        )
        chunks.append(f"substr('{SUFFIX_ALPHABET}', 1 + {bits}, 1)")
    return " || ".join(chunks)


def to_18_sql(column: str) -> str:
    """SQL for the canonical 18-character form: a 15-character id gets its checksum; an
    18-character id is rebuilt from its first 15 characters, so one whose checksum was
    mangled still joins the account its case-sensitive prefix names (the reading of
    data-contract §4 chosen here, flagged downstream); other lengths pass through."""
    return (f"case when length({column}) in (15, 18) then substr({column}, 1, 15) || {checksum_sql(column)} "
            f"else {column} end")


def problem_sql(column: str) -> str:
    """DuckDB SQL: the reason text (without the column name) a non-NULL id is malformed, else NULL."""
    return (
        f"case when {column} is null then null "
        f"when length({column}) not in (15, 18) then 'has ' || length({column}) || ' characters, expected 15 or 18' "
        f"when not regexp_full_match({column}, '[A-Za-z0-9]+') then 'has characters other than A-Z, a-z, 0-9' "
        f"when length({column}) = 18 and substr({column}, 16, 3) <> {checksum_sql(column)} "
        f"then 'checksum ''' || substr({column}, 16, 3) || ''' does not match its first 15 characters' end"
    )
