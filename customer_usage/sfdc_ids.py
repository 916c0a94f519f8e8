"""Salesforce record ids: the 15-character case-sensitive form and the 18-character form.

Zuora and other systems store Salesforce ids in either form; joins need one.
The 18-character form appends a 3-character checksum that encodes, for each
5-character chunk of the 15-character id, which characters are upper case, so
it survives case-insensitive tools. Shared by the generator, tests and any
Python that needs to convert ids (dbt has its own macro for the warehouse).
"""

from __future__ import annotations

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to_18(id15: str) -> str:
    """Return the 18-character form of a 15- (or already 18-) character Salesforce id."""
    if id15 is None:
        raise ValueError("Salesforce id is None")
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"Salesforce id {id15!r} has {len(id15)} characters, expected 15 or 18")
    suffix = ""
    for chunk in range(3):
        bits = 0
        for pos, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def to_15(id18: str) -> str:
    """The 15-character (case-sensitive) prefix of an 18-character id."""
    if len(id18) not in (15, 18):
        raise ValueError(f"Salesforce id {id18!r} has {len(id18)} characters, expected 15 or 18")
    return id18[:15]


def is_valid_18(id18: str) -> bool:
    """True when the last three characters are the checksum of the first fifteen."""
    return isinstance(id18, str) and len(id18) == 18 and to_18(id18[:15]) == id18
