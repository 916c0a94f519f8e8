"""Vectorized, seeded identifiers that look like each source system's own.

Every helper takes the caller's numpy Generator, so the same seed gives the
same ids and no global random state is touched.
"""

from __future__ import annotations

import numpy as np

from customer_usage.sfdc_ids import to_18

_BASE62 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
_HEX = np.array(list("0123456789abcdef"))


def _chars(rng: np.random.Generator, alphabet: np.ndarray, n: int, width: int) -> np.ndarray:
    codes = rng.integers(0, len(alphabet), size=(n, width))
    return alphabet[codes].view(f"<U{width}").reshape(n) if n else np.array([], dtype=f"<U{width}")


def hex32(rng: np.random.Generator, n: int) -> np.ndarray:
    """Zuora ids and md5 digests: 32 lowercase hex characters (unique within the call)."""
    out = _chars(rng, _HEX, n, 32)
    return _make_unique(rng, out, lambda k: _chars(rng, _HEX, k, 32))


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = hex32(rng, n).astype(object)
    return np.array([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in raw], dtype=object)


def sfdc_ids(rng: np.random.Generator, n: int, prefix: str = "001") -> np.ndarray:
    """18-character Salesforce account ids with a correct checksum suffix."""
    body = _chars(rng, _BASE62, n, 15 - len(prefix))
    body = _make_unique(rng, body, lambda k: _chars(rng, _BASE62, k, 15 - len(prefix)))
    return np.array([to_18(prefix + b) for b in body], dtype=object)


def _make_unique(rng, values: np.ndarray, draw) -> np.ndarray:
    """Redraw the (astronomically rare) collisions so ids stay primary keys."""
    values = values.copy()
    while True:
        _, first = np.unique(values, return_index=True)
        if len(first) == len(values):
            return values
        dup = np.ones(len(values), dtype=bool)
        dup[first] = False
        values[dup] = draw(int(dup.sum()))


def pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), size=n)]


COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
    "Soylent", "Cyberdyne", "Tyrell", "Aperture", "Massive", "Dynamic", "Blue", "Red", "Green",
    "North", "South", "Quantum", "Pixel", "Nimbus", "Orbit", "Vertex", "Summit", "Harbor",
    "Cobalt", "Falcon", "Granite", "Lumen", "Maple", "Nova", "Onyx", "Pioneer", "Atlas",
)
COMPANY_SUFFIXES = ("Inc", "LLC", "GmbH", "Ltd", "Labs", "Systems", "Software", "Group", "AG", "SA")
FIRST_NAMES = ("Alex", "Sam", "Maria", "John", "Wei", "Priya", "Olga", "Ahmed", "Lena", "Tom", "Ana", "Kenji")
LAST_NAMES = ("Smith", "Garcia", "Müller", "Chen", "Kumar", "Ivanova", "Haddad", "Rossi", "Silva", "Sato")
COUNTRIES = ("US", "DE", "GB", "FR", "NL", "IN", "JP", "BR", "CA", "AU")


def company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    a = pick(rng, COMPANY_WORDS, n)
    b = pick(rng, COMPANY_WORDS, n)
    s = pick(rng, COMPANY_SUFFIXES, n)
    return np.array([f"{x} {y} {z} {i}" for i, (x, y, z) in enumerate(zip(a, b, s))], dtype=object)
