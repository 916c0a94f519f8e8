"""The arrival sensor against a test instance and a temporary landing folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from customer_usage.automation.arrival import ARRIVAL_SENSOR_NAME, build_arrival_sensor
from customer_usage.warehouse import WRITER_TAGS
from customer_usage.automation.definitions import build_automation_defs
from customer_usage.settings import Settings
from customer_usage_tests.automation.standins import ALL_ASSETS

ACCOUNT_CSV = "id,account_number,name\nA1,N1,Acme\n"


class Landing:
    """A landing folder plus a sensor and instance, ticked like the daemon would."""

    def __init__(self, tmp_path: Path, settle_seconds: float = 0.0):
        self.dir = tmp_path / "landing"
        self.dir.mkdir()
        settings = Settings.from_env(
            {"CUSTOMER_USAGE_LANDING_DIR": str(self.dir), "CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")}
        )
        automation = build_automation_defs(settings)
        job = next(j for j in automation.jobs if j.name == "load_changed_sources")
        self.sensor = build_arrival_sensor(self.dir, job, settle_seconds=settle_seconds)
        self.defs = dg.Definitions(assets=ALL_ASSETS, jobs=[job], sensors=[self.sensor])
        self.instance = dg.DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def write(self, rel: str, text: str, age_seconds: float = 60.0) -> Path:
        """Write a file whose mtime is `age_seconds` in the past (as if copied a while ago)."""
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        previous_mtime = path.stat().st_mtime_ns if path.exists() else 0
        path.write_text(text)
        mtime_ns = max(int((path.stat().st_mtime - age_seconds) * 1e9), previous_mtime + 1_000_000_000)
        os.utime(path, ns=(mtime_ns, mtime_ns))
        return path

    def tick(self):
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs, sensor_name=ARRIVAL_SENSOR_NAME
        )
        data = self.sensor.evaluate_tick(context)
        if data.cursor is not None:
            self.cursor = data.cursor
        return data


def selected(request: dg.RunRequest) -> set[tuple[str, ...]]:
    return {tuple(k.path) for k in request.asset_selection}


@pytest.fixture
def landing(tmp_path):
    return Landing(tmp_path)


def test_one_new_file_requests_one_run_for_its_table(landing):
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    data = landing.tick()
    assert len(data.run_requests) == 1
    request = data.run_requests[0]
    assert selected(request) == {("zuora", "account")}
    assert request.tags["customer_usage/warehouse"] == "duckdb"
    assert request.run_key


def test_an_idle_tick_requests_nothing(landing):
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    assert len(landing.tick().run_requests) == 1
    data = landing.tick()
    assert data.run_requests == []
    assert "No new or changed" in (data.skip_message or "")


def test_three_files_dropped_together_are_one_run(landing):
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    landing.tick()
    landing.write("zuora/subscription.csv", "id,name\nS1,sub\n")
    landing.write("sfdc/account.parquet", "not really parquet, the sensor only hashes bytes")
    landing.write("version_db/usage_data.csv", "id,uuid\n1,u\n")
    data = landing.tick()
    assert len(data.run_requests) == 1
    assert selected(data.run_requests[0]) == {
        ("zuora", "subscription"), ("sfdc", "account"), ("version_db", "usage_data")
    }


def test_same_size_content_change_is_a_change(landing):
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    landing.tick()
    changed = ACCOUNT_CSV.replace("Acme", "Acne")
    assert len(changed) == len(ACCOUNT_CSV)
    landing.write("zuora/account.csv", changed)
    data = landing.tick()
    assert len(data.run_requests) == 1
    assert selected(data.run_requests[0]) == {("zuora", "account")}


def test_touch_without_content_change_requests_nothing(landing):
    path = landing.write("zuora/account.csv", ACCOUNT_CSV)
    landing.tick()
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))
    assert landing.tick().run_requests == []
    # ... and the new mtime is remembered, so the file is not hashed again
    assert str(later) in landing.cursor


def test_returning_to_earlier_content_is_still_a_new_run(landing):
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    first = landing.tick().run_requests[0].run_key
    landing.write("zuora/account.csv", ACCOUNT_CSV + "A2,N2,Beta\n")
    second = landing.tick().run_requests[0].run_key
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    third = landing.tick().run_requests
    assert len(third) == 1 and len({first, second, third[0].run_key}) == 3


def test_waits_while_a_write_run_is_in_progress(landing):
    landing.instance.add_run(
        DagsterRun(job_name="some_writer", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED, tags=WRITER_TAGS)
    )
    landing.write("zuora/account.csv", ACCOUNT_CSV)
    data = landing.tick()
    assert data.run_requests == []
    assert "Waiting" in data.skip_message
    assert landing.cursor is None  # not advanced: the file is picked up later
    run = landing.instance.get_runs()[0]
    landing.instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(event_type_value="PIPELINE_SUCCESS", job_name=run.job_name, message="done"),
    )
    assert landing.instance.get_run_by_id(run.run_id).status == DagsterRunStatus.SUCCESS
    assert selected(landing.tick().run_requests[0]) == {("zuora", "account")}


def test_files_still_being_written_wait_for_the_whole_drop(tmp_path):
    landing = Landing(tmp_path, settle_seconds=3600)
    landing.write("zuora/account.csv", ACCOUNT_CSV, age_seconds=7200)
    landing.write("zuora/subscription.csv", "id\nS1\n", age_seconds=0)
    data = landing.tick()
    assert data.run_requests == [] and "still being written" in data.skip_message
    assert landing.cursor is None


def test_unknown_files_are_reported_not_loaded(landing):
    landing.write("zuora/not_a_table.csv", "a\n1\n")
    landing.write("zuora/notes.txt", "ignored: not an extract")
    landing.write("zuora/.account.csv.tmp", "partial copy")
    data = landing.tick()
    assert data.run_requests == []
    assert "zuora/not_a_table.csv" in landing.cursor


def test_first_tick_skips_files_already_loaded(landing):
    """Starting the sensor after `customer-usage run` does not reload everything."""
    landing.write("zuora/account.csv", ACCOUNT_CSV, age_seconds=600)
    landing.instance.report_runless_asset_event(dg.AssetMaterialization(dg.AssetKey(["zuora", "account"])))
    landing.write("zuora/subscription.csv", "id\nS1\n", age_seconds=600)  # never loaded
    data = landing.tick()
    assert [selected(r) for r in data.run_requests] == [{("zuora", "subscription")}]
    assert "zuora/account.csv" in landing.cursor
    landing.write("zuora/account.csv", ACCOUNT_CSV + "A2,N2,Beta\n", age_seconds=0)  # a real change
    assert selected(landing.tick().run_requests[0]) == {("zuora", "account")}
