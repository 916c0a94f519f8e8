"""Setting environment variables for one block of code.

Settings are read from the environment when definitions are built, and
dagster-dbt hands the current environment to each dbt process, so tests,
benchmarks and the dbt step all need "these variables, just for this block".
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, Mapping


@contextmanager
def environment(values: Mapping[str, str | os.PathLike | None]) -> Iterator[None]:
    """Set `values` (None unsets a variable) for the block, then restore the previous ones."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
