"""Which months a run builds (customer_usage/history.py, docs/data-contract.md §1)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from customer_usage.history import HistoryError, data_months, months_to_build
from customer_usage.partitions import monthly_partitions
from customer_usage.settings import Settings, SettingsError
from customer_usage_tests.helpers import local_settings, write_landing


def landing(tmp_path, fmt="csv"):
    write_landing(tmp_path / "landing", {
        "version_db/usage_data": pd.DataFrame({"id": [1, 2], "recorded_at": ["2018-05-03T10:00:00Z",
                                                                              "2024-02-09T00:00:00Z"]}),
        "zuora/subscription": pd.DataFrame({
            "id": ["S1", "S2", "S3"], "status": ["Active", "Draft", "Cancelled"], "deleted": [False, False, True],
            "subscription_start_date": ["2017-11-20", "2012-01-01", "2011-01-01"]}),
    }, fmt=fmt)
    return Settings.from_env(local_settings(tmp_path))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_from_the_first_month_with_data_to_the_as_of_month(tmp_path, fmt):
    settings = landing(tmp_path, fmt)
    bounds = data_months(settings)
    # drafts and deleted versions do not count; the earliest active start (2017-11) beats the first ping
    assert bounds.first == dt.date(2017, 11, 1) and bounds.last_ping == dt.date(2024, 2, 9)
    assert months_to_build(settings, monthly_partitions(settings), bounds) == ("2017-11-01", "2024-02-01")
    with_as_of = Settings.from_env({**local_settings(tmp_path), "CUSTOMER_USAGE_AS_OF": "2023-07-31"})
    assert months_to_build(with_as_of, monthly_partitions(with_as_of), bounds)[1] == "2023-07-01"


def test_a_month_with_data_before_the_partitions_fails_naming_month_and_setting(tmp_path):
    env = {**local_settings(tmp_path), "CUSTOMER_USAGE_PARTITIONS_START": "2020-01-01"}
    landing(tmp_path)
    settings = Settings.from_env(env)
    with pytest.raises(HistoryError, match=r"2017-11.*CUSTOMER_USAGE_PARTITIONS_START=2017-11-01"):
        months_to_build(settings, monthly_partitions(settings), data_months(settings))


def test_the_default_partitions_start_in_2010_and_the_setting_is_checked():
    assert monthly_partitions(Settings.from_env({})).start.date() == dt.date(2010, 1, 1)
    assert isinstance(monthly_partitions(Settings.from_env({})), dg.MonthlyPartitionsDefinition)
    with pytest.raises(SettingsError, match="CUSTOMER_USAGE_PARTITIONS_START"):
        Settings.from_env({"CUSTOMER_USAGE_PARTITIONS_START": "2019-03-15"})
