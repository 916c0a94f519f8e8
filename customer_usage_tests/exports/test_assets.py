"""The export assets as Dagster runs them: local outbox by default, EnvVar credentials otherwise."""

from __future__ import annotations

import json

import dagster as dg

from customer_usage.exports.assets import build_export_assets
from customer_usage.exports.definitions import gainsight_resource, salesforce_resource
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.fake_api import GS_ACCESS_KEY, SF_PASSWORD, SF_TOKEN, SF_USERNAME
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.helpers import environment, query


def materialize(tmp_path, resources) -> dict[str, dict]:
    assets = build_export_assets(tmp_path / "outbox", sleep=lambda s: None)
    result = dg.materialize(
        assets,
        resources={"warehouse": WarehouseResource(duckdb_path=str(tmp_path / "warehouse.duckdb")), **resources},
    )
    assert result.success
    return {
        e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }


def test_without_credentials_the_exports_fill_the_local_outbox(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(40))
    write_sync_table(db, "sync_gainsight_subscription_usage", gainsight_frame(60))
    with environment(SFDC_USERNAME=None, GAINSIGHT_BASE_URL=None):
        resources = {"salesforce": salesforce_resource(), "gainsight": gainsight_resource()}
    assert not resources["salesforce"].configured and not resources["gainsight"].configured

    meta = materialize(tmp_path, resources)
    assert meta["salesforce_account_usage"]["destination"] == "outbox"
    assert (meta["salesforce_account_usage"]["sent"], meta["gainsight_subscription_usage"]["sent"]) == (40, 60)
    outbox = query(db, "select * from export_outbox.salesforce_account_usage")
    assert len(outbox) == 40 and "licensed_seats__c" in outbox.columns and "Id" in outbox.columns
    lines = (tmp_path / "outbox" / "gainsight_subscription_usage.jsonl").read_text().splitlines()
    assert len(lines) == 60 and "primary_key" in json.loads(lines[0])

    run_sql(db, "update exports.sync_gainsight_subscription_usage set billable_user_count = -1 "
                "where primary_key in (select primary_key from exports.sync_gainsight_subscription_usage limit 3)")
    again = materialize(tmp_path, resources)
    assert (again["salesforce_account_usage"]["sent"], again["salesforce_account_usage"]["unchanged"]) == (0, 40)
    assert again["gainsight_subscription_usage"]["sent"] == 3
    assert query(db, "select count(*) n from export_outbox.salesforce_account_usage").n[0] == 0
    assert len((tmp_path / "outbox" / "gainsight_subscription_usage.jsonl").read_text().splitlines()) == 3


def test_with_env_credentials_the_exports_reach_the_apis(tmp_path, api):
    db = tmp_path / "warehouse.duckdb"
    write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(25))
    write_sync_table(db, "sync_gainsight_subscription_usage", gainsight_frame(75))
    env = dict(SFDC_USERNAME=SF_USERNAME, SFDC_PASSWORD=SF_PASSWORD, SFDC_SECURITY_TOKEN=SF_TOKEN,
               SFDC_INSTANCE_URL=api.url, GAINSIGHT_BASE_URL=api.url, GAINSIGHT_ACCESS_KEY=GS_ACCESS_KEY)
    with environment(**env):
        resources = {"salesforce": salesforce_resource(poll_seconds=0),
                     "gainsight": gainsight_resource()}
        api.inject("PUT", r"/v1/data/objects/", status=429, retry_after="1")
        meta = materialize(tmp_path, resources)
    sf, gs = meta["salesforce_account_usage"], meta["gainsight_subscription_usage"]
    assert (sf["destination"], sf["sent"], sf["failed"], sf["bulk_jobs"]) == ("salesforce", 25, 0, 1)
    assert (gs["destination"], gs["sent"], gs["api_calls"], gs["http_retries"]) == ("gainsight", 75, 2, 1)
    assert len(api.sf_records["Account"]) == 25 and len(api.gs_records) == 1
    text = json.dumps(meta, default=str)
    assert SF_PASSWORD + SF_TOKEN not in text and GS_ACCESS_KEY not in text
    assert not query(db, "select * from information_schema.tables where table_schema = 'export_outbox'").shape[0]
