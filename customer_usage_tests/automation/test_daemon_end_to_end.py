"""End to end with the real Dagster daemon: a file drop ends in updated exports.

The daemon (with the code location it spawns) runs on a temporary DAGSTER_HOME,
landing folder and DuckDB file. The test drops the demo extracts, waits for the
load, the automated dbt runs and the export run; then drops a changed
`version_db/usage_data` and waits again; then checks that an idle period starts
no run. The warehouse is only read after the daemon stopped (DuckDB allows one
writer, and a reader would make a run fail).

Slow (several minutes): marked `daemon`; deselect with `-m "not daemon"`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

from customer_usage.automation.arrival import ARRIVAL_SENSOR_NAME
from customer_usage.automation.definitions import AUTOMATION_SENSOR_NAME
from customer_usage.settings import PROJECT_ROOT

pytestmark = [pytest.mark.daemon, pytest.mark.timeout(2400)]

MART = dg.AssetKey(["marts", "mart_product_usage_paid_user_metrics_monthly"])
EXPORT_JOB = "export_job"
SENTINEL_ACTIVE_USERS = 777_777
PHASE_TIMEOUT_SECONDS = 600  # generous: dbt runs take a minute each on a busy 2-core machine
# Longer than two ticks of every sensor (arrival 15 s, automation and export 30 s).
IDLE_SECONDS = 75
BIN = Path(sys.executable).parent

DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 4
    tag_concurrency_limits:
      - key: customer_usage/warehouse
        value: duckdb
        limit: 1
  pools:
    default_limit: 1
    granularity: run
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
sensors:
  use_threads: true
  num_workers: 4
"""

WORKSPACE_YAML = """\
load_from:
  - python_module:
      module_name: customer_usage.definitions
      location_name: customer_usage
"""


class Daemon:
    """`dagster-daemon run` in its own process group, so stopping it stops its children too."""

    def __init__(self, home: Path, env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")],
            cwd=str(PROJECT_ROOT), env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, chars: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        try:  # run workers and the code server share the group; make sure none is left
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def run_failure_report(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    messages = [
        f"{e.dagster_event.event_type_value} {e.step_key or ''}: {e.message}"
        for e in instance.all_logs(run.run_id)
        if e.dagster_event and e.dagster_event.is_failure
    ]
    return f"run {run.run_id} ({run.job_name}) failed:\n" + "\n".join(messages)[-6000:]


def wait_for(instance, daemon: Daemon, what: str, done, timeout: float = PHASE_TIMEOUT_SECONDS) -> None:
    """Poll until done(); fail fast on a failed run or a dead daemon."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        if failed:
            pytest.fail(run_failure_report(instance, failed[0]) + "\n--- daemon log ---\n" + daemon.tail())
        if not daemon.alive():
            pytest.fail(f"dagster-daemon exited while waiting for {what}:\n{daemon.tail()}")
        if done():
            return
        time.sleep(3)
    runs = [(r.job_name, r.status.value, r.tags.get("customer_usage/trigger")) for r in instance.get_runs()]
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; runs: {runs}\n{daemon.tail()}")


def sensor_ticked(instance: dg.DagsterInstance, name: str) -> bool:
    for state in instance.all_instigator_state():
        if state.instigator_name == name and instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1):
            return True
    return False


def idle(instance: dg.DagsterInstance) -> bool:
    return not instance.get_runs(filters=dg.RunsFilter(statuses=list(IN_PROGRESS_RUN_STATUSES)), limit=1)


def latest_storage_id(instance: dg.DagsterInstance) -> int:
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=MART), limit=1).records
    return records[0].storage_id if records else 0


def mart_refreshed_and_exported(instance: dg.DagsterInstance, after_storage_id: int, month: str):
    def done() -> bool:
        mart = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=MART, asset_partitions=[month], after_storage_id=after_storage_id),
            limit=1,
        ).records
        if not mart:
            return False
        exports = instance.get_runs(
            filters=dg.RunsFilter(job_name=EXPORT_JOB, statuses=[dg.DagsterRunStatus.SUCCESS],
                                  created_after=dt.datetime.fromtimestamp(mart[0].timestamp, dt.timezone.utc))
        )
        return bool(exports) and idle(instance)

    return done


def drop(source_dir: Path, landing: Path, rels: list[str]) -> None:
    """Copy extracts in as a producer would: a hidden temp name, then an atomic rename."""
    for rel in rels:
        target = landing / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source_dir / rel, tmp)
        os.replace(tmp, target)


@pytest.fixture(scope="module")
def demo_extracts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "landing"
    from customer_usage.cli import main as cli_main

    today = dt.date.today().isoformat()  # the open month is the reporting month
    assert cli_main(["generate", "--scale", "demo", "--seed", "3", "--as-of", today, "--out", str(out),
                     "--truth-dir", str(out.parent / "truth")]) == 0
    return out


def test_a_file_drop_refreshes_the_mart_and_the_exports(tmp_path, demo_extracts):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    (home / "workspace.yaml").write_text(WORKSPACE_YAML)
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CUSTOMER_USAGE_TARGET": "local",
        "CUSTOMER_USAGE_LANDING_DIR": str(landing),
        "CUSTOMER_USAGE_DUCKDB_PATH": str(warehouse),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("CUSTOMER_USAGE_AS_OF", "SFDC_USERNAME", "GAINSIGHT_BASE_URL", "SNOWFLAKE_ACCOUNT"):
        env.pop(name, None)
    month = dt.date.today().replace(day=1).isoformat()
    extracts = sorted(str(p.relative_to(demo_extracts)) for p in demo_extracts.glob("*/*.parquet"))
    assert extracts, "the generator wrote no extracts"

    # create the instance's storage before the daemon starts (two processes creating
    # the SQLite schema at once corrupt its migration table)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
    daemon = Daemon(home, env, tmp_path / "daemon.log")
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            # 0. the daemon is up: both sensors have evaluated once (over an empty folder);
            # models that read no source (e.g. the metric catalog) may already build
            wait_for(instance, daemon, "the first sensor ticks",
                     lambda: sensor_ticked(instance, ARRIVAL_SENSOR_NAME)
                     and sensor_ticked(instance, AUTOMATION_SENSOR_NAME) and idle(instance), timeout=240)
            assert not instance.get_runs(filters=dg.RunsFilter(job_name="load_changed_sources"))

            # 1. the first drop: every table, loaded in one run, then the whole chain
            drop(demo_extracts, landing, extracts)
            wait_for(instance, daemon, "the first refresh and export",
                     mart_refreshed_and_exported(instance, 0, month))
            loads = instance.get_runs(filters=dg.RunsFilter(job_name="load_changed_sources"))
            assert len(loads) == 1, "a drop of all files must be one load run"
            assert len(loads[0].asset_selection or ()) == len(extracts)

            # 2. new data: the pings of the open month report a new active-user count
            marker = latest_storage_id(instance)
            runs_before = {r.run_id for r in instance.get_runs()}
            changed = tmp_path / "changed"
            pings = pd.read_parquet(demo_extracts / "version_db" / "usage_data.parquet")
            in_month = pd.to_datetime(pings["recorded_at"]).dt.strftime("%Y-%m-01") == month
            assert in_month.any(), "the demo data has no ping in the open month"
            pings.loc[in_month, "active_user_count"] = SENTINEL_ACTIVE_USERS
            (changed / "version_db").mkdir(parents=True)
            pings.to_parquet(changed / "version_db" / "usage_data.parquet", index=False)
            drop(changed, landing, ["version_db/usage_data.parquet"])
            wait_for(instance, daemon, "the refresh after the changed pings",
                     mart_refreshed_and_exported(instance, marker, month))
            new_runs = [r for r in instance.get_runs() if r.run_id not in runs_before]
            new_loads = [r for r in new_runs if r.job_name == "load_changed_sources"]
            assert len(new_loads) == 1
            assert [k.to_user_string() for k in new_loads[0].asset_selection] == ["version_db/usage_data"]
            # once per change: no automated asset (partition) was built twice for this drop
            counts: dict[tuple[str, str | None], int] = {}
            for run in new_runs:
                if run.tags.get("customer_usage/trigger") != "automation":
                    continue
                for record in instance.get_records_for_run(
                    run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
                ).records:
                    mat = record.event_log_entry.asset_materialization
                    key = (mat.asset_key.to_user_string(), mat.partition)
                    counts[key] = counts.get(key, 0) + 1
            assert counts, "the automation built nothing after the drop"
            assert {k: n for k, n in counts.items() if n > 1} == {}

            # 3. idle: nothing changes, nothing runs
            settled = len(instance.get_runs())
            time.sleep(IDLE_SECONDS)
            assert daemon.alive()
            runs = instance.get_runs()  # newest first
            extra = [(r.job_name, r.tags.get("customer_usage/trigger")) for r in runs[: len(runs) - settled]]
            assert len(runs) == settled, f"runs started while idle: {extra}"
    finally:
        daemon.stop()

    # the warehouse, read once nothing writes it any more
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart_rows = con.execute(
            "select count(*) filter (where active_user_count = ?), count(*) "
            "from marts.mart_product_usage_paid_user_metrics_monthly where snapshot_month = ?",
            [SENTINEL_ACTIVE_USERS, month],
        ).fetchone()
    assert mart_rows[0] > 0, f"the mart's {month} rows do not show the new pings ({mart_rows[1]} rows)"
    outbox = warehouse.parent / "outbox" / "gainsight_subscription_usage.jsonl"
    records = [json.loads(line) for line in outbox.read_text().splitlines() if line.strip()]
    assert records, f"{outbox} holds no changed rows"
    # the latest batch holds exactly the rows that changed: the open month's pinged rows
    assert all(SENTINEL_ACTIVE_USERS in r.values() for r in records), records[:3]
    assert len(records) == mart_rows[0]
