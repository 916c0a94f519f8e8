"""Dry run: `customer-usage export --dry-run` and the export_preview asset send nothing, change nothing,
and say exactly what the following real run does."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from customer_usage.cli import main
from customer_usage.exports.assets import SYNC_KEYS
from customer_usage.exports.preview import build_preview_asset
from customer_usage.exports.sync import ExportPolicy
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.exports.trust_helpers import run
from customer_usage_tests.helpers import environment, query


@pytest.fixture
def warehouse(tmp_path, api):
    path = tmp_path / "warehouse.duckdb"
    write_sync_table(path, "sync_sfdc_account_usage", sfdc_frame(12))
    write_sync_table(path, "sync_gainsight_subscription_usage", gainsight_frame(40))
    run(path, "salesforce", api), run(path, "gainsight", api)
    # then: 3 accounts change, 1 is merged away, 2 are new; 4 Gainsight rows change, 5 end, 1 is rejected
    new = sfdc_frame(14).iloc[12:]
    run_sql(path, "update exports.sync_sfdc_account_usage set licensed_seats = licensed_seats + 5 "
                  "where dim_crm_account_id in ('0016g0000000000000', '0016g0000000000001', '0016g0000000000002')")
    run_sql(path, "delete from exports.sync_sfdc_account_usage where dim_crm_account_id = '0016g0000000000011'")
    with __import__("duckdb").connect(str(path)) as con:
        con.register("new", new)
        con.execute("insert into exports.sync_sfdc_account_usage select * from new")
    keys = list(query(path, "select primary_key from exports.sync_gainsight_subscription_usage order by 1").primary_key)
    run_sql(path, "update exports.sync_gainsight_subscription_usage set billable_user_count = billable_user_count + 1 "
                  f"where primary_key in ({', '.join(repr(k) for k in keys[:4])})")
    run_sql(path, "delete from exports.sync_gainsight_subscription_usage "
                  f"where primary_key in ({', '.join(repr(k) for k in keys[-5:])})")
    api.gs_reject[keys[0]] = "Invalid value"
    return path


def snapshot(path) -> dict:
    tables = query(path, "select table_schema, table_name from information_schema.tables "
                         "where table_schema in ('export_state', 'export_outbox') order by 1, 2")
    return {f"{s}.{t}": query(path, f"select * from {s}.{t} order by all").to_json()
            for s, t in zip(tables.table_schema, tables.table_name)}


def test_dry_run_sends_nothing_changes_nothing_and_predicts_the_next_run(api, warehouse, tmp_path, capsys):
    before = snapshot(warehouse)
    api.clear_log()
    with environment(CUSTOMER_USAGE_DUCKDB_PATH=str(warehouse), CUSTOMER_USAGE_TARGET="local",
                     CUSTOMER_USAGE_EXPORT_PREVIEW_ROWS="2"):
        assert main(["export", "--dry-run", "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert api.requests == [] and api.bodies == []  # not even a login
    assert snapshot(warehouse) == before

    sf, gs = counts["salesforce_account_usage"], counts["gainsight_subscription_usage"]
    assert (sf["insert"], sf["update"], sf["clear_or_delete"], sf["leave"]) == (2, 3, 1, 8)
    assert (gs["insert"], gs["update"], gs["clear_or_delete"], gs["leave"]) == (0, 4, 5, 31)
    preview = [json.loads(line) for line in (tmp_path / "export_preview" / "salesforce_account_usage.jsonl")
               .read_text().splitlines()]
    assert [p["action"] for p in preview] == ["update", "update", "insert", "insert", "clear"]  # 2 per kind
    assert preview[0]["record"]["licensed_seats__c"] is not None and preview[4]["record"]["licensed_seats__c"] is None

    real_sf, real_gs = run(warehouse, "salesforce", api), run(warehouse, "gainsight", api)
    for plan, real in ((sf, real_sf), (gs, real_gs)):
        assert (real.inserted + sum(1 for k, a in real.actions.items() if a == "insert" and k in real.errors),
                real.updated + sum(1 for k, a in real.actions.items() if a == "update" and k in real.errors),
                len([a for a in real.actions.values() if a in ("clear", "delete")]),
                real.unchanged + real.parked) == (plan["insert"], plan["update"], plan["clear_or_delete"],
                                                  plan["leave"])
    assert (real_gs.updated, real_gs.failed, real_gs.removed) == (3, 1, 5)  # the rejected row is an update that failed


def test_one_export_only_and_the_preview_asset_in_the_ui(api, warehouse, tmp_path, capsys):
    with environment(CUSTOMER_USAGE_DUCKDB_PATH=str(warehouse), CUSTOMER_USAGE_TARGET="local"):
        assert main(["export", "--dry-run", "--export", "gainsight_subscription_usage"]) == 0
        out = capsys.readouterr().out
        assert "gainsight_subscription_usage" in out and "salesforce_account_usage " not in out
        assert main(["export", "--dry-run", "--export", "hubspot"]) == 2
        assert "unknown export(s) hubspot" in capsys.readouterr().err
    before = snapshot(warehouse)
    api.clear_log()
    asset = build_preview_asset(tmp_path / "ui_preview", ExportPolicy(preview_rows=1), SYNC_KEYS)
    result = dg.materialize([asset], resources={"warehouse": WarehouseResource(duckdb_path=str(warehouse))})
    meta = {k: v.value for k, v in result.get_asset_materialization_events()[0].materialization.metadata.items()}
    assert meta["salesforce_account_usage/insert"] == 2 and meta["gainsight_subscription_usage/clear_or_delete"] == 5
    assert [p["action"] for p in meta["salesforce_account_usage/preview"]] == ["update", "insert", "clear"]
    assert snapshot(warehouse) == before and api.requests == []
