"""The terminal side of `customer-usage run`: the full output to a log file, progress on screen.

Without `-v`, everything the run writes to stdout/stderr (Dagster's event
stream, dbt, library warnings) goes to a log file at the file-descriptor level,
so output of child processes and C extensions is caught too; the terminal gets
one line per phase reached, with counts and elapsed time, read from the run's
event log by a background thread. With `-v` the event stream stays on the
terminal and the log file is not written.

Dagster's `BetaWarning`/`PreviewWarning` (about this platform's own use of beta
APIs, nothing a user can act on) are silenced; every other Python warning is
counted by kind for the summary.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import dagster as dg
from dagster import DagsterEventType

PROGRESS_SECONDS = 120.0


class Console:
    """Where summary lines go (the real terminal), whatever the run's output does."""

    def __init__(self, log_path: Path | None, verbose: bool):
        self.log_path = log_path
        self.verbose = verbose
        self._terminal_fd: int | None = None
        self.python_warnings: Counter = Counter()
        self.started = time.monotonic()

    def say(self, message: str = "") -> None:
        data = (message + "\n").encode()
        if self._terminal_fd is not None:
            os.write(self._terminal_fd, data)
        else:
            sys.stdout.write(message + "\n")
            sys.stdout.flush()

    def elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:4.0f}s]"

    @contextlib.contextmanager
    def captured(self) -> Iterator[None]:
        """Send fd 1 and 2 to the log file (unless verbose); count Python warnings."""
        with warnings.catch_warnings():
            silence_beta_warnings()
            original = warnings.showwarning

            def count(message, category, filename, lineno, file=None, line=None):
                self.python_warnings[f"{category.__name__}: {str(message).splitlines()[0][:100]}"] += 1
                original(message, category, filename, lineno, file, line)

            warnings.showwarning = count
            if self.verbose or self.log_path is None:
                yield
                return
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            self._terminal_fd = saved[0]
            log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(log_fd)
                os.close(saved[1])
                os.close(saved[0])
                self._terminal_fd = None


def silence_beta_warnings() -> None:
    """Hide Dagster's beta/preview notices (raised while definitions are built, too)."""
    for name in ("BetaWarning", "PreviewWarning", "SupersessionWarning"):
        category = getattr(dg, name, None)
        if isinstance(category, type) and issubclass(category, Warning):
            warnings.filterwarnings("ignore", category=category)


class Progress:
    """A thread printing a line when the run reaches a new phase (and every two minutes otherwise)."""

    def __init__(self, console: Console, instance: dg.DagsterInstance, run_id: str,
                 phase_of_step: Callable[[str], str | None]):
        self.console, self.instance, self.run_id = console, instance, run_id
        self.phase_of_step = phase_of_step
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="customer-usage-progress", daemon=True)
        self._reported: str | None = None
        self._last_line = time.monotonic()

    def __enter__(self) -> "Progress":
        if not self.console.verbose:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _counts(self) -> tuple[Counter, str | None]:
        done: Counter = Counter()
        current = None
        records = self.instance.get_records_for_run(
            self.run_id, of_type={DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_START}, limit=100_000
        ).records
        for record in records:
            event = record.event_log_entry.dagster_event
            phase = self.phase_of_step(event.step_key) or "model"
            if event.event_type == DagsterEventType.STEP_SUCCESS:
                done[phase] += 1
            else:
                current = phase
        return done, current

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                done, current = self._counts()
            except Exception:  # noqa: BLE001 - progress is best effort; the run goes on
                continue
            now = time.monotonic()
            if current and (current != self._reported or now - self._last_line > PROGRESS_SECONDS):
                steps = ", ".join(f"{phase} {n}" for phase, n in done.items()) or "none yet"
                self.console.say(f"{self.console.elapsed()} {current:<8} running ... (steps done: {steps})")
                self._reported, self._last_line = current, now
