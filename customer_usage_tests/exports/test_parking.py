"""Retry limits and alerts: a row that fails N runs in a row is parked until its content changes,
and the export's checks go ERROR (the alert sensor of the production setup picks up blocking ERRORs)."""

from __future__ import annotations

import dagster as dg
import pytest

from customer_usage.exports.assets import EXPORT_KEYS, build_export_assets
from customer_usage.exports.definitions import gainsight_resource, salesforce_resource
from customer_usage.exports.sync import ExportPolicy
from customer_usage.exports.trust import FAILURE_RATE_CHECK, PARKED_CHECK
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.fake_api import GS_ACCESS_KEY, SF_PASSWORD, SF_TOKEN, SF_USERNAME
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.helpers import environment, query

GS_KEY = EXPORT_KEYS[1]


@pytest.fixture
def exports(tmp_path, api):
    db = tmp_path / "warehouse.duckdb"
    write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(5))
    write_sync_table(db, "sync_gainsight_subscription_usage", gainsight_frame(40))
    env = dict(SFDC_USERNAME=SF_USERNAME, SFDC_PASSWORD=SF_PASSWORD, SFDC_SECURITY_TOKEN=SF_TOKEN,
               SFDC_INSTANCE_URL=api.url, GAINSIGHT_BASE_URL=api.url, GAINSIGHT_ACCESS_KEY=GS_ACCESS_KEY)
    with environment(**env):
        resources = {"salesforce": salesforce_resource(poll_seconds=0), "gainsight": gainsight_resource(),
                     "warehouse": WarehouseResource(duckdb_path=str(db))}
        assets = build_export_assets(tmp_path / "outbox", sleep=lambda s: None,
                                     policy=ExportPolicy(park_after_failures=5, max_failure_rate=0.2))

        def materialize():
            result = dg.materialize(assets, resources=resources, selection=[GS_KEY], raise_on_error=False)
            checks = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key == GS_KEY}
            meta = next(e.materialization.metadata for e in result.get_asset_materialization_events()
                        if e.asset_key == GS_KEY)
            return {k: v.value for k, v in meta.items()}, checks

        yield db, materialize


def test_a_row_failing_5_runs_is_parked_and_the_check_errors_until_its_content_changes(api, exports):
    db, materialize = exports
    bad = query(db, "select primary_key from exports.sync_gainsight_subscription_usage order by 1").primary_key[7]
    api.gs_reject[bad] = "Invalid value for license_utilization"
    for attempt in range(1, 6):
        meta, checks = materialize()
        assert meta["failed"] == 1 and meta["parked"] == 0
        assert checks[PARKED_CHECK].passed is (attempt < 5)  # parked once it failed the 5th run in a row
    check = checks[PARKED_CHECK]
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["parked_keys_and_errors"].value == {bad: "GS_2601: Invalid value for license_utilization"}

    api.clear_log()
    meta, checks = materialize()  # parked: not retried while its content is the same
    assert (meta["parked"], meta["failed"], meta["sent"]) == (1, 0, 0)
    assert bad not in api.received_text() and not checks[PARKED_CHECK].passed

    api.gs_reject.clear()
    run_sql(db, "update exports.sync_gainsight_subscription_usage set license_utilization = 0.5 "
                f"where primary_key = '{bad}'")
    api.clear_log()
    meta, checks = materialize()  # its content changed: un-parked, sent, accepted
    assert (meta["parked"], meta["sent"], meta["failed"]) == (0, 1, 0)
    assert api.accepted_keys("gainsight") == [bad] and checks[PARKED_CHECK].passed
    log = query(db, f"select status, count(*) n from export_state.sync_row_log where sync_key = '{bad}' group by 1")
    assert dict(zip(log.status, log.n)) == {"failed": 5, "sent": 1}


def test_a_failure_rate_above_the_threshold_is_an_error_check(api, exports):
    db, materialize = exports
    keys = query(db, "select primary_key from exports.sync_gainsight_subscription_usage order by 1").primary_key
    for key in keys[:9]:
        api.gs_reject[key] = "Invalid value"
    meta, checks = materialize()
    assert (meta["failed"], meta["sent"]) == (9, 31)
    assert not checks[FAILURE_RATE_CHECK].passed and checks[FAILURE_RATE_CHECK].severity == dg.AssetCheckSeverity.ERROR
    assert checks[FAILURE_RATE_CHECK].metadata["failure_rate"].value == pytest.approx(9 / 40)
    api.gs_reject.clear()
    meta, checks = materialize()
    assert meta["sent"] == 9 and checks[FAILURE_RATE_CHECK].passed
