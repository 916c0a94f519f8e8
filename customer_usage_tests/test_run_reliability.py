"""`customer-usage run` under faults: a second run on the same warehouse waits (naming the
first and its PID) or refuses, a killed run is marked failed and its dbt scratch removed,
and the summary ends with what failed and why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import dagster as dg
import pytest

from customer_usage.run_lock import RunLockedError, exclusive, lock_path_for
from customer_usage.run_recovery import HOST_TAG, LAUNCHED_BY, LAUNCHED_BY_TAG, PID_TAG, clean_scratch, \
    mark_orphaned_runs, run_tags
from customer_usage.run_report import Notice, PhaseStats, RunSummary, render

HOLDER = textwrap.dedent("""
    import sys, time
    from customer_usage.run_lock import exclusive
    with exclusive(sys.argv[1], "customer-usage run on warehouse.duckdb"):
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def hold_lock(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_run_refuses_naming_the_holder_and_its_pid(tmp_path):
    lock = lock_path_for(tmp_path / "warehouse.duckdb")
    holder = hold_lock(lock, 30)
    try:
        with pytest.raises(RunLockedError) as info:
            with exclusive(lock, "second", wait=False):
                pass
        assert f"PID {holder.pid}" in str(info.value) and "customer-usage run" in str(info.value)
        assert str(tmp_path / "warehouse.duckdb") in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_waits_until_the_first_finishes(tmp_path):
    lock = lock_path_for(tmp_path / "warehouse.duckdb")
    holder = hold_lock(lock, 2)
    said: list[str] = []
    entered = threading.Event()

    def second():
        with exclusive(lock, "second", say=said.append, poll_seconds=0.1):
            entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)
    assert not entered.is_set()  # still waiting while the first holds the warehouse
    holder.wait()
    thread.join(timeout=10)
    assert entered.is_set()
    assert said and f"PID {holder.pid}" in said[0] and said[0].startswith("Waiting")


def test_a_killed_holder_releases_the_lock_at_once(tmp_path):
    lock = lock_path_for(tmp_path / "warehouse.duckdb")
    holder = hold_lock(lock, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with exclusive(lock, "next", wait=False):
        pass


def test_main_job_waits_for_the_lock_before_touching_anything(tmp_path):
    """The real command, on an empty non-default landing folder: it waits, then fails clearly."""
    (tmp_path / "landing").mkdir()
    lock = lock_path_for(tmp_path / "warehouse.duckdb")
    holder = hold_lock(lock, 12)  # longer than the command's imports
    env = {**os.environ, "CUSTOMER_USAGE_TARGET": "local", "CUSTOMER_USAGE_LANDING_DIR": str(tmp_path / "landing"),
           "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.run([sys.executable, "-m", "customer_usage.cli", "run"], env=env, capture_output=True,
                          text=True, timeout=120)
    holder.wait()
    assert f"Waiting: customer-usage run on warehouse.duckdb (PID {holder.pid}" in proc.stdout
    assert proc.returncode != 0 and "holds no <system>/<table>.parquet|csv files" in proc.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()  # nothing was written while waiting


# --- a killed run: marked failed, scratch removed -----------------------------------------

@dg.op
def noop():
    return None


@dg.job
def tiny_job():
    noop()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def started_run(instance, pid: int) -> dg.DagsterRun:
    import socket

    run = instance.create_run_for_job(tiny_job, tags={LAUNCHED_BY_TAG: LAUNCHED_BY, PID_TAG: str(pid),
                                                      HOST_TAG: socket.gethostname()})
    return run


def test_a_run_whose_process_is_gone_is_marked_failed(tmp_path):
    with dg.DagsterInstance.ephemeral() as instance:
        killed = started_run(instance, dead_pid())
        alive = started_run(instance, os.getppid())
        other = instance.create_run_for_job(tiny_job)  # not started by customer-usage run: left alone
        assert mark_orphaned_runs(instance) == [killed.run_id]
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.NOT_STARTED
        assert instance.get_run_by_id(other.run_id).status == dg.DagsterRunStatus.NOT_STARTED
        assert mark_orphaned_runs(instance) == []  # once


def test_run_tags_name_this_process():
    tags = run_tags()
    assert tags[PID_TAG] == str(os.getpid()) and tags[LAUNCHED_BY_TAG] == LAUNCHED_BY


def test_scratch_of_finished_and_stale_runs_is_removed(tmp_path):
    runs = tmp_path / "runs"
    with dg.DagsterInstance.ephemeral() as instance:
        finished = tiny_job.execute_in_process(instance=instance).run_id
        in_progress = started_run(instance, os.getppid()).run_id
        for name in (f"{finished[:8]}-dbt_model", f"{in_progress[:8]}-dbt_model", "0badc0de-old", "feedbeef-new"):
            (runs / name).mkdir(parents=True)
            (runs / name / "manifest.json").write_text("{}")
        two_hours_ago = time.time() - 7200
        os.utime(runs / "0badc0de-old", (two_hours_ago, two_hours_ago))
        removed = {p.name for p in clean_scratch(runs, instance)}
    assert removed == {f"{finished[:8]}-dbt_model", "0badc0de-old"}
    assert sorted(p.name for p in runs.iterdir()) == sorted([f"{in_progress[:8]}-dbt_model", "feedbeef-new"])


# --- the summary ----------------------------------------------------------------------------

def summary(success: bool, failures: list[str], notices=()) -> RunSummary:
    phases = {p: PhaseStats() for p in ("load", "validate", "model", "export")}
    phases["load"].assets = {"a", "b"}
    phases["load"].rows_loaded, phases["load"].rows_quarantined = 1000, 3
    return RunSummary("abcdef123456", success, 12.0, phases,
                      {"zuora.rate_plan_charge": (3, 50, {"mrr: <value> is not a finite number": 3})},
                      __import__("collections").Counter({"unknown files in landing, not loaded: x": 2}),
                      failures, skipped_steps=4, notices=list(notices))


def test_failed_run_ends_with_the_reasons_and_what_to_do():
    failure = ("zuora__product_rate_plan: /x/zuora/product_rate_plan.csv: missing required column 'name' → "
               "fix the named file (or remove it if the table is optional), then run again")
    lines = render(summary(False, [failure]), marts=[], where=["Warehouse (DuckDB): /x/w.duckdb"])
    assert lines[-2] == "FAILED: 1 problem(s); 4 dependent steps not run"
    assert lines[-1] == f"  1. {failure}"
    assert any(line.startswith("  zuora.rate_plan_charge") and "3 of" in line for line in lines)
    assert any("2× unknown files" in line for line in lines)


def test_a_notice_can_fail_the_run_and_is_repeated_at_the_end():
    held = Notice("Exports held back: 1", ["salesforce: coverage 0.42 < 0.90"], fails_run=True)
    s = summary(True, [], [held])
    assert s.exit_code == 1
    lines = render(s, marts=[], where=[])
    assert "Exports held back: 1" in lines and lines[-1] == "  - Exports held back: 1"


def test_no_query_hint_for_a_mart_that_does_not_exist(tmp_path):
    from customer_usage.main_job import where_to_look
    from customer_usage.settings import Settings

    settings = Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
                                  "CUSTOMER_USAGE_LANDING_DIR": str(tmp_path)})
    assert not any("query it" in line for line in where_to_look(settings, [], None))
    hinted = where_to_look(settings, [("marts.mart_product_usage_paid_user_metrics_monthly", 5)], tmp_path / "l.log")
    assert any("query it" in line for line in hinted) and any("Full log:" in line for line in hinted)


def test_dagster_home_disables_the_first_visit_dialog():
    import yaml

    from customer_usage.settings import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / ".dagster_home" / "dagster.yaml").read_text())
    assert config["nux"] == {"enabled": False}
