"""The same export code on the `prod` (Snowflake) path: fakesnow's server, outbox destination.

Sync state, outbox table and the DATE-column handling go through the Snowflake
connector and dialect; the diff must behave exactly as on DuckDB.
"""

from __future__ import annotations

import pytest
from dagster_snowflake import SnowflakeResource

from customer_usage.exports.assets import SALESFORCE
from customer_usage.exports.outbox import OutboxDestination
from customer_usage.exports.sync import run_export
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.sync_data import sfdc_frame
from customer_usage_tests.helpers import fakesnow_server

fakesnow = pytest.importorskip("fakesnow", reason="fakesnow[server] is a dev dependency")
DATABASE = "CUSTOMER_USAGE_EXPORTS_TEST"


@pytest.fixture(scope="module")
def snowflake():
    with fakesnow_server() as kwargs:
        extra = {k: v for k, v in kwargs.items() if k not in ("account", "user", "password")}
        resource = WarehouseResource(
            target="prod",
            snowflake=SnowflakeResource(account=kwargs["account"], user=kwargs["user"], password=kwargs["password"],
                                        database=DATABASE, additional_snowflake_connection_args=extra),
        )
        with resource.connect() as wh:
            wh.execute(f"create database if not exists {DATABASE}")
        yield resource


def test_outbox_export_diffs_on_snowflake(snowflake, tmp_path):
    frame = sfdc_frame(12)
    with snowflake.connect() as wh:
        wh.write_df(frame, "exports", "sync_sfdc_account_usage")
        wh.execute("create or replace table exports.sync_sfdc_account_usage as select dim_crm_account_id, "
                   "cast(snapshot_month as date) as snapshot_month, licensed_seats, license_utilization, "
                   "active_user_count from exports.sync_sfdc_account_usage")
        first = run_export(wh, SALESFORCE, OutboxDestination(wh, SALESFORCE.name, tmp_path))
        second = run_export(wh, SALESFORCE, OutboxDestination(wh, SALESFORCE.name, tmp_path))
        wh.execute("update exports.sync_sfdc_account_usage set licensed_seats = licensed_seats + 1 "
                   f"where dim_crm_account_id = '{frame.dim_crm_account_id[0]}'")
        third = run_export(wh, SALESFORCE, OutboxDestination(wh, SALESFORCE.name, tmp_path))
        state = wh.fetch_all("select count(*), count_if(status = 'sent') from export_state.salesforce_account_usage")
    assert [(r.sent, r.unchanged) for r in (first, second, third)] == [(12, 0), (0, 12), (1, 11)]
    assert state == [(12, 12)]
    line = (tmp_path / "salesforce_account_usage.jsonl").read_text().splitlines()
    assert len(line) == 1 and '"snapshot_month__c":"2026-10-01"' in line[0]  # the mapping's field names
