"""One `customer-usage run` per warehouse at a time: an OS file lock beside the warehouse.

DuckDB allows one writer per file, and the main job runs in process, so it never
meets the run queue of `dagster.yaml`. Two runs on one warehouse used to fail in
random steps with partial work. Now the main job holds an exclusive `fcntl`
lock on `<warehouse>.lock` for the whole run; a second run prints who holds it
(PID, start time, command) and waits, or with `wait=False` refuses. The lock is
the kernel's: a killed holder releases it at once, so there is no stale lock to
clean up. The file's content is only a description of the holder.

The same primitive serializes the first use of a fresh DAGSTER_HOME (Dagster's
SQLite setup races: `UNIQUE constraint failed: alembic_version.version_num`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterator


class RunLockedError(RuntimeError):
    """Another run holds the lock and the caller asked not to wait."""


def lock_path_for(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


def describe_holder(path: Path) -> str:
    try:
        info = json.loads(Path(path).read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return f"{info.get('what', 'a run')} (PID {info.get('pid')}, started {info.get('started')} UTC)"


@contextlib.contextmanager
def exclusive(path: Path, what: str, wait: bool = True, say: Callable[[str], None] | None = None,
              poll_seconds: float = 1.0) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for the `with` block.

    When another process holds it: with `wait`, `say` a message naming the holder
    once and block until it is released; without, raise `RunLockedError`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    say = say or (lambda message: print(message, file=sys.stderr, flush=True))
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = describe_holder(path)
            if not wait:
                raise RunLockedError(f"{path.with_suffix('')} is in use by {holder}; try again when it finishes")
            say(f"Waiting: {holder} is using {path.with_suffix('')} (one writer at a time) ...")
            started = time.monotonic()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(poll_seconds)
            say(f"... it finished; waited {time.monotonic() - started:.0f} s")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({
            "what": what, "pid": os.getpid(),
            "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        }).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
