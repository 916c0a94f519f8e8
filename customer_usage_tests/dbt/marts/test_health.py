"""Customer health on a landing folder written for it (health_landing.py),
data-contract §6: Seat Link on Self-Managed rows, installation type and the
primary installation, license-utilisation colours by account age, the
ARR-weighted account roll-up, estimated usage and free/trial usage."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_usage_tests.dbt.marts import health_landing as data
from customer_usage_tests.dbt.marts.dbt_runner import MART, Warehouse

HEALTH_MODELS = ("+rpt_product_usage_health_score_account", "+rpt_ping_metric_totals_w_estimates_monthly",
                 "+mart_product_usage_free_user_metrics_monthly", "dim_health_score_band")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    warehouse = Warehouse(tmp_path_factory.mktemp("health"), data.AS_OF).load(data.tables())
    # `build`: the new models' dbt tests (grain, accepted colours, one primary row) run on this data too;
    # "buildable": a test runs only when all its models are built here (as in the Dagster dbt steps)
    warehouse.dbt("build", "--select", *HEALTH_MODELS, partition_env={"DBT_INDIRECT_SELECTION": "buildable"})
    return warehouse


@pytest.fixture(scope="module")
def mart(warehouse) -> pd.DataFrame:
    frame = warehouse.query(f"select * from {MART}")
    frame["month"] = frame["snapshot_month"].astype(str).str[:7]
    return frame


def one(frame: pd.DataFrame, **where) -> pd.Series:
    selected = frame
    for column, value in where.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, f"{where}: {len(selected)} rows"
    return selected.iloc[0]


def test_seat_links_fill_a_lineage_that_sends_no_ping(mart):
    october = one(mart, dim_subscription_id_original="O_SL", month="2026-10")
    assert not october.is_data_in_subscription_month  # Service Ping only
    assert pd.isna(october.uuid) and pd.isna(october.hostname)
    assert october.has_seat_link_in_month
    assert str(october.seat_link_report_date)[:10] == "2026-10-20"  # the latest of the month wins
    assert october.seat_link_active_user_count == 15
    assert october.seat_link_license_user_count == 20
    assert october.seat_link_max_historical_user_count == 16
    assert october.is_primary_installation
    september = one(mart, dim_subscription_id_original="O_SL", month="2026-09")
    assert september.has_seat_link_in_month and september.seat_link_active_user_count == 11
    august = one(mart, dim_subscription_id_original="O_SL", month="2026-08")
    assert august.has_seat_link_in_month == False  # noqa: E712 - never NULL on a Self-Managed row
    assert pd.isna(august.seat_link_report_date)


def test_has_seat_link_is_never_null_on_self_managed_rows(mart):
    assert mart["has_seat_link_in_month"].notna().all()
    assert not mart[mart.dim_subscription_id_original == "O_PS"]["has_seat_link_in_month"].any()


def test_installation_type_by_hostname_and_reference_override(warehouse):
    types = warehouse.query(
        "select hostname, installation_type, installation_type_source from marts.dim_installation"
    ).set_index("hostname")
    assert types.loc["gitlab.prod-co.com", "installation_type"] == "Production"
    assert types.loc["staging.gitlab.prod-co.com", "installation_type"] == "Non-Production"
    assert types.loc["gitlab-ci.prod-co.com", "installation_type"] == "Non-Production"
    assert types.loc["gitlab-ci.prod-co.com", "installation_type_source"] == "reference"
    assert types.loc["staging.gitlab.prod-co.com", "installation_type_source"] == "hostname"


def test_production_installation_is_primary_over_a_busier_staging_one(mart):
    october = mart[(mart.dim_subscription_id_original == "O_PS") & (mart.month == "2026-10")]
    assert len(october) == 3
    primary = october[october.is_primary_installation]
    assert list(primary.hostname) == ["gitlab.prod-co.com"]  # 10 billable beats staging's 50 and ci's 80
    assert set(october[~october.is_primary_installation].installation_type) == {"Non-Production"}


def test_exactly_one_primary_row_per_lineage_month(mart):
    primaries = mart.groupby(["dim_subscription_id_original", "month"])["is_primary_installation"].sum()
    assert len(primaries) > 20 and (primaries == 1).all()


@pytest.fixture(scope="module")
def health(warehouse) -> pd.DataFrame:
    frame = warehouse.query("select * from marts.rpt_product_usage_health_score")
    frame["month"] = frame["snapshot_month"].astype(str).str[:7]
    return frame


def test_same_utilisation_gets_a_colour_by_account_age(health):
    colours = {}
    for lineage, age in [("O_AGE3", 3), ("O_AGE8", 8), ("O_AGE12", 12)]:
        row = one(health, dim_subscription_id_original=lineage, month="2026-10")
        assert row.account_age_months == age
        assert row.license_utilization_ratio == pytest.approx(0.60)
        colours[age] = (row.license_utilization_color, row.license_utilization_score)
    assert colours == {3: ("Green", 88), 8: ("Yellow", 63), 12: ("Red", 25)}


def test_young_accounts_have_no_utilisation_score(health):
    row = one(health, dim_subscription_id_original="O_AGE3", month="2026-08")  # age 1
    assert pd.isna(row.license_utilization_score) and pd.isna(row.license_utilization_color)


def test_measure_scores_and_overall(health):
    row = one(health, dim_subscription_id_original="O_AGE12", month="2026-10")
    # 60 billable: umau 50 (.83 Green), scm 30 (.50 Green: >= .50), ci 19 (.32 Yellow; 20 = .333 would be Green),
    # cd 5 (.083 Yellow), security 10 (.167 Yellow), utilisation .60 at age 12 (Red)
    assert (row.user_engagement_color, row.scm_color, row.ci_color, row.cd_color, row.security_color) == (
        "Green", "Green", "Yellow", "Yellow", "Yellow")
    assert row.overall_score == pytest.approx((88 + 88 + 63 + 63 + 63 + 25) / 6)
    assert row.overall_color == "Yellow"
    # a month without a ping has no ratio at all: every score NULL, overall NULL
    assert pd.isna(one(health, dim_subscription_id_original="O_W1", month="2026-09").overall_score)


def test_health_rows_are_the_primary_rows(health, mart):
    assert set(health.primary_key) == set(mart[mart.is_primary_installation].primary_key)
    ps = one(health, dim_subscription_id_original="O_PS", month="2026-10")
    assert ps.billable_user_count == 10  # the production installation's, not staging's


def test_account_roll_up_is_arr_weighted(warehouse, health):
    w1 = one(health, dim_subscription_id_original="O_W1", month="2026-10")
    w2 = one(health, dim_subscription_id_original="O_W2", month="2026-10")
    assert (w1.arr, w2.arr) == (12000, 1200)
    assert (w1.scm_score, w2.scm_score) == (88, 25)
    accounts = warehouse.query("select * from marts.rpt_product_usage_health_score_account")
    assert set(accounts.snapshot_month.astype(str).str[:7]) == {"2026-10"}
    account = one(accounts, dim_crm_account_id=data.ACCOUNTS["ACC_W"])
    assert account.scm_score == pytest.approx((88 * 12000 + 25 * 1200) / 13200)  # 82.3, not the plain 56.5
    assert account.scm_color == "Green"
    assert account.lineage_count == 2 and account.arr == 13200


def test_estimated_usage_scales_by_the_share_of_seats_reporting(warehouse):
    totals = warehouse.query("select * from marts.rpt_ping_metric_totals_w_estimates_monthly")
    totals["month"] = totals["snapshot_month"].astype(str).str[:7]
    umau = one(totals, month="2025-10", deployment_type="Self-Managed", metric_name="umau_28_days_user")
    assert (umau.reporting_seats, umau.total_seats) == (100, 200)
    assert umau.percent_reporting == pytest.approx(0.5)
    assert umau.recorded_usage == 40 and umau.estimated_usage == pytest.approx(80)
    # staging and the overridden ci host do not add to October's recorded usage (primary rows only)
    october = one(totals, month="2026-10", deployment_type="Self-Managed", metric_name="umau_28_days_user")
    assert october.recorded_usage == 9 + 50 * 3 + 9 + 9
    assert "gitlab_shared_runners_enabled" not in set(totals.metric_name)  # settings are not usage totals


def test_free_and_trial_entities_that_sent_usage(warehouse):
    free = warehouse.query("select * from marts.mart_product_usage_free_user_metrics_monthly")
    assert set(free.customer_type) == {"free"}
    installation = one(free, customer_entity_type="installation")
    assert installation.hostname == "free.example.org" and installation.umau_28_days_user == 4
    namespace = one(free, customer_entity_type="namespace")
    assert namespace.dim_namespace_id == 900 and namespace.umau_28_days_user == 3  # the month's latest ping_date
    assert namespace.deployment_type == "GitLab.com"


def test_bands_table_comes_from_the_bands_file(warehouse):
    from customer_usage.docs_gen.health_bands import load_bands

    bands = warehouse.query("select * from marts.dim_health_score_band")
    config = load_bands()
    assert set(bands.measure) == {m["name"] for m in config["measures"]} | {"overall"}
    ci_yellow = one(bands, measure="ci", color="Yellow")
    assert (ci_yellow.bound_type, ci_yellow.bound) == ("at_most", 0.33)


@pytest.fixture(scope="module")
def sync(warehouse) -> dict[str, pd.DataFrame]:
    warehouse.dbt("run", "--select", "+dim_crm_account", "+int_subscription_arr", "sync_sfdc_account_usage",
                  "sync_gainsight_subscription_usage")
    return {name: warehouse.query(f"select * from exports.{name}")
            for name in ("sync_sfdc_account_usage", "sync_gainsight_subscription_usage")}


def test_sync_model_does_not_double_a_staging_server(sync, mart):
    """data-contract §8: the account's usage sums primary installations only, so the
    staging (50 billable) and ci (80) servers of O_PS do not add to production's 10."""
    october = mart[(mart.dim_subscription_id_original == "O_PS") & (mart.month == "2026-10")]
    account = october.dim_crm_account_id.iloc[0]
    lineages = mart[(mart.dim_crm_account_id == account) & (mart.month == "2026-10")]
    assert set(lineages.dim_subscription_id_original) == {"O_PS"}, "the account holds only this lineage"
    row = one(sync["sync_sfdc_account_usage"], dim_crm_account_id=account)
    assert row.billable_user_count == 10
    assert row.installation_count == 1


def test_health_goes_out_through_both_exports(sync, health):
    """Health colours reach Salesforce (per account) and Gainsight (per primary row)."""
    gainsight = sync["sync_gainsight_subscription_usage"]
    scored = gainsight.merge(health[["primary_key", "overall_color"]], on="primary_key", suffixes=("", "_health"))
    assert len(scored) == len(health) > 0
    assert (scored.overall_color.fillna("-") == scored.overall_color_health.fillna("-")).all()
    assert gainsight[~gainsight.is_primary_installation.fillna(False)].overall_color.isna().all()
    sfdc = sync["sync_sfdc_account_usage"]
    colored = sfdc[sfdc.health_color.notna()]
    assert len(colored) > 0 and set(colored.health_color) <= {"Red", "Yellow", "Green"}
    assert set(sfdc.columns) >= {"health_score", "license_utilization_color", "ci_color"}
