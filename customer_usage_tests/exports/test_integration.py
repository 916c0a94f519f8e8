"""Through the real dbt models: mart -> sync models -> exports -> the fake APIs.

Uses the monthly mart's hand-written landing folder (customer_usage_tests/dbt/marts)
plus a portal customer with an e-mail address, builds the sync models with dbt,
and checks what the server received against the mart, with no personal data.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from customer_usage.exports.assets import GAINSIGHT, SALESFORCE
from customer_usage.settings import DBT_PROJECT_DIR
from customer_usage_tests.exports.test_export_sync import GS_OBJECT, export, gainsight_resource, sfdc_resource

MART_SQL = DBT_PROJECT_DIR / "models" / "marts" / "mart_product_usage_paid_user_metrics_monthly.sql"
PII_EMAIL = "jane.doe@acme.test"

pytestmark = pytest.mark.skipif(not MART_SQL.exists(), reason="the monthly mart model is not in the project yet")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from customer_usage_tests.dbt.marts import landing_data as data
    from customer_usage_tests.dbt.marts.dbt_runner import Warehouse

    frames = data.tables()
    customers = pd.DataFrame([{
        "id": 1, "email": PII_EMAIL, "first_name": "Jane", "last_name": "Doe", "company": "Acme", "country": "DE",
        "zuora_account_id": "ZA1", "salesforce_account_id": data.CRM,
        "created_at": pd.Timestamp("2026-01-01"), "updated_at": pd.Timestamp("2026-01-01"),
    }])
    frames["customers_db/customers"] = customers
    wh = Warehouse(tmp_path_factory.mktemp("exports_e2e"), data.AS_OF).load(frames)
    wh.dbt("run", "--select", "+sync_sfdc_account_usage", "+sync_gainsight_subscription_usage")
    wh.dbt("test", "--select", "sync_sfdc_account_usage", "sync_gainsight_subscription_usage")
    return wh


def test_sync_models_follow_the_mart(warehouse):
    mart = warehouse.query("select * from marts.mart_product_usage_paid_user_metrics_monthly")
    gs = warehouse.query("select * from exports.sync_gainsight_subscription_usage")
    sf = warehouse.query("select * from exports.sync_sfdc_account_usage")
    accounts = warehouse.query("select dim_crm_account_id from marts.dim_crm_account")
    assert len(gs) == len(mart) > 0 and set(gs.primary_key) == set(mart.primary_key)
    assert sorted(sf.dim_crm_account_id) == sorted(accounts.dim_crm_account_id)
    assert not {"email", "first_name", "last_name", "crm_account_name"} & (set(gs.columns) | set(sf.columns))

    # recompute the Salesforce row of each account from the mart, independently of the SQL
    # (docs/data-contract.md "Exports": lineages in effect in the AS_OF month, each from
    # its last month with data, seats from the AS_OF month; sums of primary installations)
    as_of_month = mart.snapshot_month.max()
    for account, rows in mart[mart.dim_crm_account_id.notna()].groupby("dim_crm_account_id"):
        in_effect = rows[rows.snapshot_month == as_of_month]
        seats = in_effect.groupby("dim_subscription_id_original").license_user_count.max().sum()
        lineages = mart[mart.dim_subscription_id_original.isin(set(in_effect.dim_subscription_id_original))]
        with_data = lineages[lineages.is_data_in_subscription_month]
        last = with_data.groupby("dim_subscription_id_original").snapshot_month.transform("max")
        counted = with_data[(with_data.snapshot_month == last) & with_data.is_primary_installation]
        got = sf.set_index("dim_crm_account_id").loc[account]
        assert got.licensed_seats == seats
        assert got.subscription_count == in_effect.dim_subscription_id_original.nunique()
        assert pd.Timestamp(got.snapshot_month) == pd.Timestamp(as_of_month)
        assert pd.Timestamp(got.last_data_month) == pd.Timestamp(counted.snapshot_month.max())
        assert got.billable_user_count == counted.billable_user_count.sum()
        assert pd.Timestamp(got.last_ping_date) == pd.Timestamp(counted.ping_created_at.max()).normalize()


def test_export_of_the_real_models_sends_everything_once_and_no_personal_data(warehouse, api):
    path = warehouse.path
    sf, gs = export(path, SALESFORCE, sfdc_resource(api)), export(path, GAINSIGHT, gainsight_resource(api))
    n_sf = len(warehouse.query("select 1 from exports.sync_sfdc_account_usage"))
    n_gs = len(warehouse.query("select 1 from exports.sync_gainsight_subscription_usage"))
    assert (sf.sent, gs.sent, sf.failed, gs.failed) == (n_sf, n_gs, 0, 0)
    assert len(api.gs_records[GS_OBJECT]) == n_gs and len(api.sf_records["Account"]) == n_sf
    received = api.received_text()
    for secret in (PII_EMAIL, "it@acme.test", "Jane", "Doe"):
        assert secret not in received
    assert "licensed_seats__c" in received and "umau_28_days_user" in received

    again = export(path, SALESFORCE, sfdc_resource(api)), export(path, GAINSIGHT, gainsight_resource(api))
    assert [r.sent for r in again] == [0, 0]
