"""Peak resident memory of this process and every process it started (Linux `/proc`).

dbt runs as a child process and DuckDB inside whichever process opened it, so the
peak that matters for a laptop is the whole tree's, sampled over time; the time of
the peak lets the pipeline benchmark name the step that was running then.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_kib(root: int) -> int:
    """Resident KiB of `root` and all its descendants now."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo += tree.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
    return total


class PeakSampler:
    """`with PeakSampler() as s:` ... then `s.peak_kib` and `s.peak_at` (a `time.time()`);
    `s.peak_between(start, end)` is the peak of the samples in that interval (a step's)."""

    def __init__(self, interval_s: float = 0.25):
        self.interval_s, self.peak_kib, self.peak_at = interval_s, 0, 0.0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            if Path("/proc").exists():
                rss = tree_rss_kib(pid)
                self.samples.append((time.time(), rss))
                if rss > self.peak_kib:
                    self.peak_kib, self.peak_at = rss, time.time()
            self._stop.wait(self.interval_s)

    def peak_between(self, start: float, end: float) -> int:
        """Peak KiB of the samples taken from `start` to `end` (0 when none was)."""
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
