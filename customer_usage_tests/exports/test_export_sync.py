"""Diff-based export runs against the fake Salesforce + Gainsight server (real clients, real HTTP)."""

from __future__ import annotations

import re

import pytest

from customer_usage.exports.assets import GAINSIGHT, SALESFORCE
from customer_usage.exports.gainsight import GainsightResource
from customer_usage.exports.payload import ExportDataError
from customer_usage.exports.salesforce import SalesforceResource
from customer_usage.exports.sync import run_export
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.fake_api import GS_ACCESS_KEY, SF_PASSWORD, SF_TOKEN, SF_USERNAME
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.helpers import query

GS_OBJECT = "customer_usage_subscription_monthly__gc"


# Long enough that a plain request to the local fake API never times out on a loaded CI
# machine (0.3 s did, at load 18); the fake holds an injected timeout longer than this.
CLIENT_TIMEOUT_SECONDS = 1.5


def sfdc_resource(api, **overrides) -> SalesforceResource:
    config = dict(username=SF_USERNAME, password=SF_PASSWORD, security_token=SF_TOKEN, instance_url=api.url,
                  poll_seconds=0, timeout_seconds=CLIENT_TIMEOUT_SECONDS, job_size=40)
    config.update(overrides)
    return SalesforceResource(**config)


def gainsight_resource(api, **overrides) -> GainsightResource:
    config = dict(base_url=api.url, access_key=GS_ACCESS_KEY, timeout_seconds=CLIENT_TIMEOUT_SECONDS)
    config.update(overrides)
    return GainsightResource(**config)


class Sleeps(list):
    """Injected sleep: records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def export(duckdb_path, spec, resource, sleep=None):
    sleep = sleep if sleep is not None else Sleeps()
    with WarehouseResource(target="local", duckdb_path=str(duckdb_path)).connect() as wh:
        return run_export(wh, spec, resource.destination(sleep=sleep))


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    write_sync_table(path, "sync_sfdc_account_usage", sfdc_frame(100))
    write_sync_table(path, "sync_gainsight_subscription_usage", gainsight_frame(130))
    return path


def test_first_sends_all_second_nothing_then_only_changed_rows(api, warehouse):
    sf, gs = sfdc_resource(api), gainsight_resource(api)
    first = export(warehouse, SALESFORCE, sf), export(warehouse, GAINSIGHT, gs)
    assert [(r.sent, r.unchanged, r.failed) for r in first] == [(100, 0, 0), (130, 0, 0)]
    assert len(api.sf_records["Account"]) == 100 and len(api.gs_records[GS_OBJECT]) == 130

    api.clear_log()
    second = export(warehouse, SALESFORCE, sf), export(warehouse, GAINSIGHT, gs)
    assert [(r.sent, r.unchanged) for r in second] == [(0, 100), (0, 130)]
    assert api.requests == [("POST", "/services/Soap/u/59.0", 200)]  # a login, nothing sent

    run_sql(warehouse, "update exports.sync_sfdc_account_usage set licensed_seats = licensed_seats + 1 "
                       "where dim_crm_account_id in (select dim_crm_account_id from exports.sync_sfdc_account_usage "
                       "order by 1 limit 7)")
    run_sql(warehouse, "update exports.sync_gainsight_subscription_usage set umau_28_days_user = coalesce(umau_28_days_user, 0) + 1000000 "
                       "where primary_key in (select primary_key from exports.sync_gainsight_subscription_usage "
                       "order by 1 limit 11)")
    api.clear_log()
    third = export(warehouse, SALESFORCE, sf), export(warehouse, GAINSIGHT, gs)
    assert [(r.sent, r.unchanged) for r in third] == [(7, 93), (11, 119)]
    assert len(api.accepted_keys("salesforce")) == 7 and len(api.accepted_keys("gainsight")) == 11
    changed = query(warehouse, "select dim_crm_account_id, licensed_seats from exports.sync_sfdc_account_usage "
                               "order by 1 limit 1").iloc[0]
    assert api.sf_records["Account"][changed.dim_crm_account_id]["licensed_seats__c"] == str(changed.licensed_seats)
    assert sum((r["umau_28_days_user"] or 0) >= 1000000 for r in api.gs_records[GS_OBJECT].values()) == 11
    # a NULL reaches Salesforce as "#N/A" (set to null), Gainsight as JSON null
    assert any(r["active_user_count__c"] is None for r in api.sf_records["Account"].values())
    assert any(r["umau_28_days_user"] is None for r in api.gs_records[GS_OBJECT].values())


def test_429_500_and_timeouts_are_retried_without_loss_or_duplicates(api, warehouse):
    ingest = r"/jobs/ingest$"
    api.inject("POST", ingest, status=429, retry_after="7")
    api.inject("PUT", r"/batches$", status=500)
    api.inject("PATCH", r"/jobs/ingest/[^/]+$", status=None)  # timeout
    api.inject("GET", r"/failedResults$", status=503, retry_after="2")
    api.inject("PUT", r"/v1/data/objects/", status=429, retry_after="11")
    api.inject("PUT", r"/v1/data/objects/", status=502)
    api.inject("PUT", r"/v1/data/objects/", status=None, times=2)  # two timeouts
    sf_sleeps, gs_sleeps = Sleeps(), Sleeps()

    sf = export(warehouse, SALESFORCE, sfdc_resource(api), sf_sleeps)
    gs = export(warehouse, GAINSIGHT, gainsight_resource(api), gs_sleeps)

    assert (sf.sent, sf.failed, gs.sent, gs.failed) == (100, 0, 130, 0)
    assert 7 in sf_sleeps and 2 in sf_sleeps  # Retry-After honoured
    assert 11 in gs_sleeps
    for system, total in (("salesforce", 100), ("gainsight", 130)):
        keys = api.accepted_keys(system)
        assert len(keys) == len(set(keys)) == total  # nothing lost, nothing twice
    assert not [f for f in api.faults if f.times > 0]  # every injected fault was hit


def test_retries_give_up_and_the_rows_fail_then_succeed_next_run(api, warehouse):
    api.inject("PUT", r"/v1/data/objects/", status=503, times=3)
    result = export(warehouse, GAINSIGHT, gainsight_resource(api, max_attempts=3))
    assert (result.sent, result.failed) == (80, 50)  # the first batch of 50 outlived its retries
    assert all("503" in e for e in result.errors.values())
    again = export(warehouse, GAINSIGHT, gainsight_resource(api, max_attempts=3))
    assert (again.sent, again.retried, again.unchanged, again.failed) == (50, 50, 80, 0)


def test_rejected_rows_are_recorded_and_only_they_are_resent(api, warehouse):
    sf_keys = query(warehouse, "select dim_crm_account_id from exports.sync_sfdc_account_usage order by 1")
    gs_keys = query(warehouse, "select primary_key from exports.sync_gainsight_subscription_usage order by 1")
    rejected_sf = list(sf_keys.dim_crm_account_id[[3, 50, 99]])
    unprocessed_sf = sf_keys.dim_crm_account_id[60]
    rejected_gs = list(gs_keys.primary_key[[0, 77]])
    for key in rejected_sf:
        api.sf_reject[key] = "FIELD_CUSTOM_VALIDATION_EXCEPTION:Seats must be positive:licensed_seats__c --"
    api.sf_unprocessed.add(unprocessed_sf)
    for key in rejected_gs:
        api.gs_reject[key] = "Invalid value for license_utilization"

    sf = export(warehouse, SALESFORCE, sfdc_resource(api))
    gs = export(warehouse, GAINSIGHT, gainsight_resource(api))
    assert (sf.sent, sf.failed, gs.sent, gs.failed) == (96, 4, 128, 2)
    state = query(warehouse, "select sync_key, status, error, attempts from export_state.salesforce_account_usage "
                             "where status = 'failed' order by 1")
    assert sorted(state.sync_key) == sorted(rejected_sf + [unprocessed_sf])
    assert state.set_index("sync_key").loc[rejected_sf[0], "error"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    assert "unprocessed" in state.set_index("sync_key").loc[unprocessed_sf, "error"]
    gs_state = query(warehouse, "select sync_key, error from export_state.gainsight_subscription_usage "
                                "where status = 'failed'")
    assert sorted(gs_state.sync_key) == sorted(rejected_gs)
    assert gs_state.error.str.contains("Invalid value").all()

    api.sf_reject.clear(), api.sf_unprocessed.clear(), api.gs_reject.clear(), api.clear_log()
    sf2 = export(warehouse, SALESFORCE, sfdc_resource(api))
    gs2 = export(warehouse, GAINSIGHT, gainsight_resource(api))
    assert (sf2.sent, sf2.retried, sf2.unchanged, gs2.sent, gs2.retried, gs2.unchanged) == (4, 4, 96, 2, 2, 128)
    assert sorted(api.accepted_keys("salesforce")) == sorted(rejected_sf + [unprocessed_sf])
    assert sorted(api.accepted_keys("gainsight")) == sorted(rejected_gs)
    assert query(warehouse, "select count(*) n from export_state.salesforce_account_usage "
                            "where status <> 'sent'").n[0] == 0

    api.clear_log()
    third = export(warehouse, SALESFORCE, sfdc_resource(api))
    assert (third.sent, third.retried) == (0, 0)


def test_gainsight_batches_of_50_within_100_calls_per_minute(api, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    write_sync_table(path, "sync_gainsight_subscription_usage", gainsight_frame(6_000))
    clock = {"now": 0.0}
    calls_at: list[float] = []

    def sleep(seconds):
        clock["now"] += seconds

    resource = gainsight_resource(api)
    with WarehouseResource(target="local", duckdb_path=str(path)).connect() as wh:
        destination = resource.destination(sleep=sleep, clock=lambda: clock["now"])
        original = destination.session.limiter.acquire

        def acquire():
            original()
            calls_at.append(clock["now"])

        destination.session.limiter.acquire = acquire
        result = run_export(wh, GAINSIGHT, destination)
    assert result.sent == 6_000 and destination.calls == 120
    batches = [r for r in api.requests if r[0] == "PUT"]
    assert len(batches) == 120
    assert max(calls_at) >= 60.0  # the 101st call waited for the window
    assert all(sum(1 for t in calls_at if start <= t < start + 60) <= 100 for start in calls_at)


def test_no_personal_data_leaves_the_warehouse(api, warehouse):
    export(warehouse, SALESFORCE, sfdc_resource(api))
    export(warehouse, GAINSIGHT, gainsight_resource(api))
    received = api.received_text()
    assert len(received) > 10_000  # what was sent is really in the log: ids and numbers, no e-mail
    assert not re.search(r"[^@\s,\"]+@[^@\s,\"]+\.[a-z]{2,}", received.replace(SF_USERNAME, ""))

    # a sync model that (wrongly) selects a personal column fails the export before anything is sent
    frame = sfdc_frame(5)
    frame["contact_email"] = "jane.doe@customer.example"
    write_sync_table(warehouse, "sync_sfdc_account_usage", frame)
    api.clear_log()
    with pytest.raises(ExportDataError, match="contact_email"):
        export(warehouse, SALESFORCE, sfdc_resource(api))
    frame = gainsight_frame(5)
    frame["hostname"] = ["ok", "ok", "jane.doe@customer.example", "ok", "ok"]
    write_sync_table(warehouse, "sync_gainsight_subscription_usage", frame)
    with pytest.raises(ExportDataError, match="row 2 column hostname"):
        export(warehouse, GAINSIGHT, gainsight_resource(api))
    assert "jane.doe" not in api.received_text()
    assert not api.accepted


def test_duplicate_or_missing_keys_are_refused(api, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    frame = sfdc_frame(3)
    frame.loc[2, "dim_crm_account_id"] = frame.loc[0, "dim_crm_account_id"]
    write_sync_table(path, "sync_sfdc_account_usage", frame)
    with pytest.raises(ExportDataError, match="appears more than once"):
        export(path, SALESFORCE, sfdc_resource(api))
    with pytest.raises(ExportDataError, match="sync_gainsight_subscription_usage does not exist"):
        export(path, GAINSIGHT, gainsight_resource(api))


def test_bad_salesforce_credentials_fail_fast(api, warehouse):
    from simple_salesforce.exceptions import SalesforceAuthenticationFailed

    sleeps = Sleeps()
    with pytest.raises(SalesforceAuthenticationFailed, match="INVALID_LOGIN"):
        export(warehouse, SALESFORCE, sfdc_resource(api, password="wrong"), sleeps)
    assert sleeps == []  # a SOAP fault is an answer, not retried
