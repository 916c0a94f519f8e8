"""Clean up after a `customer-usage run` that was killed: its run record and dbt scratch.

A SIGKILL leaves the run `STARTED` in the Dagster history for ever (an in-process
run has no run monitor) and its dbt target folder under
`dbt_project/target/runs/`. At the start of the next run (holding the warehouse
lock, so no other main job is running on this warehouse) runs that this command
started — tagged with their host and PID — whose process is gone are marked
failed, with a message saying so, and scratch folders of finished runs, or
untouched for an hour, are removed.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import dagster as dg

LAUNCHED_BY_TAG = "customer_usage/launched_by"
LAUNCHED_BY = "customer-usage run"
PID_TAG = "customer_usage/pid"
HOST_TAG = "customer_usage/host"
STALE_SCRATCH_SECONDS = 3600
_UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED,
               dg.DagsterRunStatus.CANCELING]


def run_tags() -> dict[str, str]:
    """Tags that let a later run tell whether this one's process is still alive."""
    return {LAUNCHED_BY_TAG: LAUNCHED_BY, PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark unfinished runs of this command whose process is gone as failed; their ids."""
    host = socket.gethostname()
    marked = []
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=_UNFINISHED, tags={LAUNCHED_BY_TAG: LAUNCHED_BY})
    )
    for record in records:
        run = record.dagster_run
        if run.tags.get(HOST_TAG) != host:
            continue  # another machine's process: cannot tell, leave it
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid and pid != os.getpid() and _alive(pid):
            continue
        instance.report_run_failed(
            run, message=f"process {pid} of this run is gone (killed?); marked failed by the next run"
        )
        marked.append(run.run_id)
    return marked


def clean_scratch(runs_dir: Path, instance: dg.DagsterInstance) -> list[Path]:
    """Remove dbt scratch folders (`<run id[:8]>-<op>`) of runs that are not in progress."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    in_progress = {
        r.dagster_run.run_id[:8]
        for r in instance.get_run_records(filters=dg.RunsFilter(statuses=_UNFINISHED))
    }
    removed = []
    now = time.time()
    for folder in sorted(runs_dir.iterdir()):
        prefix = folder.name.split("-")[0]
        if not folder.is_dir() or prefix in in_progress:
            continue
        if now - folder.stat().st_mtime > STALE_SCRATCH_SECONDS or _finished_in(instance, prefix):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _finished_in(instance: dg.DagsterInstance, prefix: str) -> bool:
    """A run of this instance whose id starts with `prefix` exists and is finished."""
    for record in instance.get_run_records(limit=200):
        if record.dagster_run.run_id.startswith(prefix):
            return record.dagster_run.is_finished
    return False
