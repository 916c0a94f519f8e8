"""Rows that leave a sync table (an account merged away, a subscription ended) are handled once.

Salesforce (default `clear`): the record is upserted once with every mapped
usage field set to NULL. Gainsight (default `delete`): the record is deleted
through the delete API. `ignore` leaves the destination as it is. Real clients
against the local Salesforce/Gainsight protocol servers.
"""

from __future__ import annotations

import dataclasses

import pytest

from customer_usage.exports.mapping import default_mapping
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.exports.test_export_sync import GS_OBJECT
from customer_usage_tests.exports.trust_helpers import run
from customer_usage_tests.helpers import query

MERGED = "0016g0000000000003"  # sfdc_frame's 4th account


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    write_sync_table(path, "sync_sfdc_account_usage", sfdc_frame(10))
    frame = gainsight_frame(30)
    frame.loc[:5, "dim_crm_account_id"] = MERGED
    write_sync_table(path, "sync_gainsight_subscription_usage", frame)
    return path


def merge_away(path) -> list[str]:
    """The account is merged into another: its rows leave both sync tables."""
    gone = list(query(path, "select primary_key from exports.sync_gainsight_subscription_usage "
                            f"where dim_crm_account_id = '{MERGED}' order by 1").primary_key)
    run_sql(path, f"delete from exports.sync_sfdc_account_usage where dim_crm_account_id = '{MERGED}'")
    run_sql(path, f"delete from exports.sync_gainsight_subscription_usage where dim_crm_account_id = '{MERGED}'")
    return gone


def test_merged_away_account_is_cleared_once_in_salesforce_and_deleted_once_in_gainsight(api, warehouse):
    first = run(warehouse, "salesforce", api), run(warehouse, "gainsight", api)
    assert [(r.inserted, r.removed) for r in first] == [(10, 0), (30, 0)]
    assert api.sf_records["Account"][MERGED]["licensed_seats__c"] is not None
    gone = merge_away(warehouse)
    assert len(gone) == 6

    api.clear_log()
    sf, gs = run(warehouse, "salesforce", api), run(warehouse, "gainsight", api)
    assert (sf.sent, sf.removed, sf.unchanged, sf.failed) == (1, 1, 9, 0)
    assert (gs.sent, gs.removed, gs.unchanged, gs.failed) == (6, 6, 24, 0)
    assert api.accepted_keys("salesforce") == [MERGED]  # one clear, nothing else
    cleared = api.sf_records["Account"][MERGED]
    usage_fields = [f.field for f in default_mapping("salesforce_account_usage").fields if f.column != "dim_crm_account_id"]
    present = [f for f in usage_fields if f in cleared]
    assert present and all(cleared[f] is None for f in present)  # every sent usage field is NULL now
    assert sorted(k for _, k in api.deleted) == gone and not api.accepted_keys("gainsight")
    assert not set(gone) & set(api.gs_records[GS_OBJECT])
    log = query(warehouse, "select export, sync_key, action, status from export_state.sync_row_log "
                           "where action in ('clear', 'delete') order by 1, 2")
    assert list(log.action) == ["delete"] * 6 + ["clear"] and set(log.status) == {"sent"}

    api.clear_log()
    again = run(warehouse, "salesforce", api), run(warehouse, "gainsight", api)
    assert [(r.sent, r.removed) for r in again] == [(0, 0), (0, 0)]
    assert not api.accepted and not api.deleted
    assert [r for r in api.requests if r[0] != "POST"] == []  # nothing but the login

    # the account comes back (the merge is undone): it is inserted again
    write_sync_table(warehouse, "sync_sfdc_account_usage", sfdc_frame(10))
    back = run(warehouse, "salesforce", api)
    assert (back.inserted, back.sent) == (1, 1)
    assert api.sf_records["Account"][MERGED]["licensed_seats__c"] is not None


def test_a_failed_delete_is_retried_next_run_and_then_done(api, warehouse):
    run(warehouse, "gainsight", api)
    gone = merge_away(warehouse)
    api.gs_delete_reject[gone[0]] = "record locked"
    first = run(warehouse, "gainsight", api)
    assert (first.removed, first.failed) == (5, 1) and "record locked" in first.errors[gone[0]]
    api.gs_delete_reject.clear()
    api.clear_log()
    second = run(warehouse, "gainsight", api)
    assert (second.removed, second.retried, second.failed) == (1, 1, 0)
    assert [k for _, k in api.deleted] == [gone[0]]
    api.clear_log()
    assert run(warehouse, "gainsight", api).removed == 0 and not api.deleted


def test_a_failed_clear_is_retried_through_the_bulk_api(api, warehouse):
    run(warehouse, "salesforce", api)
    merge_away(warehouse)
    api.sf_reject[MERGED] = "UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"
    first = run(warehouse, "salesforce", api)
    assert (first.removed, first.failed) == (0, 1)
    api.sf_reject.clear()
    api.clear_log()
    second = run(warehouse, "salesforce", api)
    assert (second.removed, second.retried) == (1, 1) and api.accepted_keys("salesforce") == [MERGED]


def test_ignore_leaves_the_destination_as_it_is(api, warehouse):
    mapping = dataclasses.replace(default_mapping("gainsight_subscription_usage"), on_removed="ignore")
    run(warehouse, "gainsight", api, mapping=mapping)
    gone = merge_away(warehouse)
    api.clear_log()
    result = run(warehouse, "gainsight", api, mapping=mapping)
    assert (result.sent, result.removed) == (0, 0)
    assert not api.deleted and set(gone) <= set(api.gs_records[GS_OBJECT])
    state = query(warehouse, "select count(*) n from export_state.gainsight_subscription_usage where status = 'removed'")
    assert state.n[0] == 6  # settled: not looked at again
