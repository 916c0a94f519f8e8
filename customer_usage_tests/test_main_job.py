"""`customer-usage run` on a user's own extracts: full history, and checks that hold
back exports instead of the model.

The landing folder is the monthly mart's hand-written one (customer_usage_tests/dbt/marts)
plus, for this test:
- an older Self-Managed lineage O_OLD in effect March 2019 - February 2020 with three
  pings (2019-03, 2019-11, 2020-02): history years before any built-in date;
- six Zuora billing accounts whose crm_id is no Salesforce account, so
  billing_accounts_with_crm_account is 1/7 = 14.3%, far below its 50% error threshold.
That join holds back the Salesforce export (keyed by CRM account) but not Gainsight.
A second run, on a fresh warehouse with the six Salesforce accounts added (and without the
old lineage: fewer months to build), sends the Salesforce export.
CUSTOMER_USAGE_AS_OF is not set: the AS_OF month is that of the latest ping (2026-10).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from customer_usage.exports.holds import EXIT_EXPORTS_HELD
from customer_usage.sfdc_ids import to_18
from customer_usage_tests.helpers import environment, local_settings, query, write_landing
from customer_usage_tests.dbt.marts import landing_data as data

BROKEN_CRM = [to_18(f"001Zz00000Brok{i}") for i in range(6)]
OLD_PINGS = {"2019-03-15": 101, "2019-11-20": 102, "2020-02-10": 103}


def _append(frames, name, rows):
    frame = frames[name]
    frames[name] = pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)


def landing_frames(join_fixed: bool, old_lineage: bool = True) -> dict[str, pd.DataFrame]:
    frames = data.tables()
    d = lambda s: pd.Timestamp(s).date()  # noqa: E731
    if old_lineage:
        _append_old_lineage(frames, d)
    _append(frames, "zuora/account", [{
        "id": f"ZB{i}", "account_number": f"B-{i}", "name": f"Broken {i}", "crm_id": crm, "status": "Active",
        "currency": "USD", "created_date": data.TS, "updated_date": data.TS, "deleted": False}
        for i, crm in enumerate(BROKEN_CRM)])
    if join_fixed:
        _append(frames, "sfdc/account", [{
            "id": crm, "name": f"Fixed {i}", "type": "Customer", "is_deleted": False, "billing_country": "DE",
            "created_date": data.TS} for i, crm in enumerate(BROKEN_CRM)])
    return frames


def _append_old_lineage(frames, d) -> None:
    _append(frames, "zuora/subscription", [data._subscription("S_OLD", "O_OLD", 1, "Active", d("2019-03-01"),
                                                                d("2020-03-01"))])
    _append(frames, "zuora/rate_plan", [{"id": "RP_S_OLD", "subscription_id": "S_OLD", "product_rate_plan_id":
                                         "PRP_SM_PREM", "name": "plan", "amendment_type": "NewProduct",
                                         "created_date": data.TS, "updated_date": data.TS, "deleted": False}])
    _append(frames, "zuora/rate_plan_charge", [data._charge("C_OLD", "RP_S_OLD", 20, d("2019-03-01"),
                                                            d("2020-03-01"))])
    _append(frames, "license_db/licenses", [{
        "id": 3, "company": "Old", "email": "it@old.test", "users_count": 20, "plan_code": "premium",
        "starts_at": d("2019-03-01"), "expires_at": d("2020-03-01"), "trial": False,
        "zuora_subscription_id": "S_OLD", "zuora_subscription_name": "o_old", "license_md5": "md5old",
        "created_at": data.TS, "updated_at": data.TS}])
    _append(frames, "version_db/usage_data", [
        data._ping(id_, "u_old", 77, "old.example.com", day, md5="md5old", seats=20, billable=11,
                   metrics={data.EVENTS: 4})
        for day, id_ in OLD_PINGS.items()])


@dataclass
class Run:
    exit_code: int
    out: str
    events: list
    tables: dict


def customer_usage_run(tmp: Path) -> Run:
    """`customer-usage run` in process on tmp's landing folder (DAGSTER_HOME in tmp)."""
    from customer_usage.main_job import main

    home = tmp / "dagster_home"
    home.mkdir(exist_ok=True)
    env = {**local_settings(tmp), "DAGSTER_HOME": str(home), "CUSTOMER_USAGE_AS_OF": None}
    out = io.StringIO()
    with environment(**env), contextlib.redirect_stdout(out):
        code = main([])
        with dg.DagsterInstance.get() as instance:
            run = instance.get_runs(limit=1)[0]
            events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
    db = tmp / "warehouse.duckdb"
    tables = {
        "mart": query(db, "select * from marts.mart_product_usage_paid_user_metrics_monthly"),
        "fct_ping": query(db, "select dim_ping_id from marts.fct_ping"),
        "coverage": query(db, "select * from marts.rpt_integration_coverage"),
        "outbox": sorted(query(db, "select table_name from duckdb_tables() "
                                   "where schema_name = 'export_outbox'").table_name),
    }
    return Run(code, out.getvalue(), events, tables)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("main_job")


@pytest.fixture(scope="module")
def runs(tmp, tmp_path_factory) -> list[Run]:
    """The first run on the broken extract with history from 2019, then one with the join fixed."""
    write_landing(tmp / "landing", landing_frames(join_fixed=False), fmt="parquet")
    first = customer_usage_run(tmp)
    fixed = tmp_path_factory.mktemp("main_job_fixed")
    write_landing(fixed / "landing", landing_frames(join_fixed=True, old_lineage=False), fmt="parquet")
    return [first, customer_usage_run(fixed)]


def materialized_keys(events) -> set[dg.AssetKey]:
    return {e.asset_key for e in events if e.is_step_materialization}


def test_history_from_2019_is_built_and_every_ping_is_in_fct_ping(runs):
    tables, events = runs[0].tables, runs[0].events
    mart = tables["mart"]
    old = mart[mart.dim_subscription_id_original == "O_OLD"]
    months = sorted(old.snapshot_month.astype(str).str[:7])
    assert months == [f"2019-{m:02d}" for m in range(3, 13)] + ["2020-01", "2020-02"]
    with_data = sorted(old[old.is_data_in_subscription_month].snapshot_month.astype(str).str[:7])
    assert with_data == ["2019-03", "2019-11", "2020-02"]
    expected_pings = set(data.tables()["version_db/usage_data"].id) | set(OLD_PINGS.values())
    assert set(tables["fct_ping"].dim_ping_id) == expected_pings
    # the last month built is the AS_OF month (latest ping: October 2026), not the calendar month
    assert mart.snapshot_month.astype(str).max()[:7] == "2026-10"
    partitions = {e.partition for e in events if e.is_step_materialization and e.partition}
    assert min(partitions) == "2019-03-01" and max(partitions) == "2026-10-01"


def test_a_broken_join_builds_every_model_and_holds_back_only_the_export_that_needs_it(runs, tmp):
    from customer_usage.definitions import build_definitions
    from customer_usage.settings import Settings

    first = runs[0]
    events, out, tables = first.events, first.out, first.tables
    assert first.exit_code == EXIT_EXPORTS_HELD
    with environment(**local_settings(tmp)):
        graph = build_definitions(Settings.from_env()).resolve_asset_graph()
    salesforce = dg.AssetKey(["exports", "salesforce_account_usage"])
    gainsight = dg.AssetKey(["exports", "gainsight_subscription_usage"])
    everything_else = set(graph.materializable_asset_keys) - {salesforce}
    built = materialized_keys(events)
    assert everything_else <= built, sorted(k.to_user_string() for k in everything_else - built)
    assert salesforce not in built

    coverage = tables["coverage"].set_index("measure").loc["billing_accounts_with_crm_account"]
    assert (coverage.numerator, coverage.denominator) == (1, 7)
    assert coverage.coverage == pytest.approx(1 / 7)

    assert tables["outbox"] == ["gainsight_subscription_usage"]
    assert "EXPORTS HELD BACK" in out
    assert ("salesforce_account_usage held back: billing_accounts_with_crm_account = 14.3% (1/7) "
            "is below its error threshold 50%") in out
    checks = [e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    check = next(c for c in checks if c.check_name == "coverage_billing_accounts_with_crm_account")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "holds back salesforce_account_usage" in check.description


def test_with_the_join_fixed_the_exports_go_out(runs):
    second = runs[1]
    tables = second.tables
    assert second.exit_code == 0
    assert "EXPORTS HELD BACK" not in second.out
    assert tables["outbox"] == ["gainsight_subscription_usage", "salesforce_account_usage"]
    assert dg.AssetKey(["exports", "salesforce_account_usage"]) in materialized_keys(second.events)
    coverage = tables["coverage"].set_index("measure").loc["billing_accounts_with_crm_account"]
    assert (coverage.numerator, coverage.denominator) == (7, 7)
