"""The Salesforce sync never blanks out (docs/data-contract.md "Exports").

The mart's hand-written landing folder with the AS_OF month (October 2026) not
reported yet: Self-Managed lineage O_SM1's last ping is in July (its August-
October pings removed), GitLab.com lineage O_SAAS1's namespace last reported in
September, O_SAAS2's namespace never (its only metrics were in October), and
O_SM2 ended in August. The account's row must carry the earlier values with
their last_data_month, seats and ARR of October, and nothing of O_SM2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from customer_usage_tests.dbt.marts import landing_data as data
from customer_usage_tests.dbt.marts.dbt_runner import Warehouse


@pytest.fixture(scope="module")
def account_row(tmp_path_factory) -> pd.Series:
    frames = data.tables()
    pings = frames["version_db/usage_data"]
    frames["version_db/usage_data"] = pings[~pings.id.isin([4, 5, 6])]  # O_SM1: nothing after July
    metrics = frames["gitlab_dotcom/namespace_ping_metrics"]
    frames["gitlab_dotcom/namespace_ping_metrics"] = metrics[
        pd.to_datetime(metrics.ping_date) < pd.Timestamp("2026-10-01")]
    wh = Warehouse(tmp_path_factory.mktemp("no_blank_out"), data.AS_OF).load(frames)
    wh.dbt("run", "--select", "+sync_sfdc_account_usage")
    sf = wh.query("select * from exports.sync_sfdc_account_usage").set_index("dim_crm_account_id")
    return sf.loc[data.CRM]


def test_usage_comes_from_each_lineages_last_month_with_data_never_null(account_row):
    # O_SM1's July ping (the 20th): billable 44, active 45, umau 12; O_SAAS1's September
    # namespace row has no billable users (GitLab.com seats exist only for AS_OF) and no umau
    assert pd.Timestamp(account_row.last_data_month) == pd.Timestamp("2026-09-01")
    assert account_row.billable_user_count == 44
    assert account_row.active_user_count == 45
    assert account_row.umau_28_days_user == 12
    assert account_row.ci_pipelines_28_days_user == 3  # July ping default; O_SAAS1 September has none
    assert account_row.installation_count == 1 and account_row.namespace_count == 1
    assert str(account_row.last_ping_date)[:10] == "2026-09-28"


def test_seats_and_arr_are_those_of_the_as_of_month_and_ended_lineages_count_nothing(account_row):
    # in effect in October: O_SM1 (60 seats, MRR 100), O_SAAS1 (25, MRR 100), O_SAAS2 (no
    # data at all: seats from gitlab_subscriptions, 15; no charge). O_SM2 ended in August.
    assert account_row.subscription_count == 3
    assert account_row.licensed_seats == 60 + 25 + 15
    assert account_row.arr == 12 * (100 + 100)
    assert str(account_row.snapshot_month)[:10] == "2026-10-01"
    assert account_row.deployment_types == "GitLab.com;Self-Managed"
