"""The integration roadmap (data-contract §7) on a hand-made landing folder with one
broken link of each kind (roadmap_data), and the monthly coverage trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from customer_usage.docs_gen.build import dbt_build, load_sources
from customer_usage_tests.helpers import local_settings, write_landing
from customer_usage_tests.dbt import roadmap_data as d
from customer_usage_tests.dbt.conftest import q


@pytest.fixture(scope="module")
def roadmap_warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("roadmap")
    landing = write_landing(tmp / "landing", d.landing_frames(), fmt="parquet")
    env = local_settings(tmp, landing, as_of=d.AS_OF)
    assert load_sources(env).success, "loading the roadmap landing folder failed"
    summary = dbt_build(env, tmp / "dbt_target")
    errors = sorted(k for k, v in summary["status"].items() if v in ("error", "fail"))
    assert summary["returncode"] == 0 and not errors, f"dbt build failed: {errors}\n{summary['log']}"
    return tmp / "warehouse.duckdb"


def test_every_defect_kind_appears_once_with_its_lineage_and_arr(roadmap_warehouse):
    frame = q(roadmap_warehouse, "select * from marts.rpt_integration_defects")
    counts = frame.defect.value_counts().to_dict()
    expected_counts = {defect: 1 for defect in d.EXPECTED_DEFECTS} | {"ping_unmapped_to_subscription": 2}
    assert counts == expected_counts
    for defect, (integration, entity_type, entity_id, lineage, arr) in d.EXPECTED_DEFECTS.items():
        row = frame[(frame.defect == defect) & (frame.entity_id == entity_id)]
        assert len(row) == 1, f"{defect}: no row for {entity_type} {entity_id}"
        row = row.iloc[0]
        got = (row.integration, row.entity_type, None if pd.isna(row.dim_subscription_id_original)
               else row.dim_subscription_id_original, float(row.arr))
        assert got == (integration, entity_type, lineage, arr), defect


def test_roadmap_ranks_by_arr_then_entity_count_then_name(roadmap_warehouse):
    roadmap = q(roadmap_warehouse, "select * from marts.rpt_integration_roadmap order by priority_rank")
    assert list(roadmap.priority_rank) == list(range(1, len(d.EXPECTED_DEFECTS) + 1))
    by_defect = roadmap.set_index("defect")
    # the lineage without an order has the most ARR: rank 1
    assert by_defect.loc["paid_subscription_missing_order", "priority_rank"] == 1
    assert by_defect.loc["paid_subscription_missing_order", "arr_at_stake"] == d.ARR["O3"]
    # more ARR ranks first: 1 200 (lineage O1) before 600 (O4)
    assert by_defect.loc["order_namespace_not_found", "priority_rank"] < by_defect.loc["license_missing_subscription_id", "priority_rank"]
    # two pings of one lineage: its ARR counts once, and the tie with the license of that
    # lineage (same ARR) goes to the defect with more entities, against the name order
    assert by_defect.loc["ping_unmapped_to_subscription", "arr_at_stake"] == d.ARR["O6"]
    assert by_defect.loc["ping_unmapped_to_subscription", "entity_count"] == 2
    assert by_defect.loc["ping_unmapped_to_subscription", "subscription_count"] == 1
    assert by_defect.loc["license_subscription_not_in_zuora", "arr_at_stake"] == d.ARR["O6"]
    assert (by_defect.loc["ping_unmapped_to_subscription", "priority_rank"] + 1
            == by_defect.loc["license_subscription_not_in_zuora", "priority_rank"])
    # equal ARR and entities: by name (billing_account... before license_missing...)
    assert (by_defect.loc["billing_account_crm_unresolved", "priority_rank"] + 1
            == by_defect.loc["license_missing_subscription_id", "priority_rank"])
    # a billing account's ARR is its lineages' sum, without a lineage of its own
    assert by_defect.loc["billing_account_crm_unresolved", "arr_at_stake"] == d.ARR["O4"]
    assert by_defect.loc["billing_account_crm_unresolved", "subscription_count"] == 0


def test_arr_still_reached_by_another_key_is_at_stake_but_not_lost(roadmap_warehouse):
    """Ping 2's license_md5 is unknown, but its own license_subscription_id maps it to O2:
    the lineage is known (arr per §7), and arr_unlinked says no usage is lost."""
    defects = q(roadmap_warehouse, "select * from marts.rpt_integration_defects").set_index("defect")
    assert bool(defects.loc["ping_license_unknown", "is_linked_otherwise"])
    assert not defects.drop(index="ping_license_unknown").is_linked_otherwise.any()
    roadmap = q(roadmap_warehouse, "select * from marts.rpt_integration_roadmap").set_index("defect")
    assert roadmap.loc["ping_license_unknown", "arr_at_stake"] == d.ARR["O2"]
    assert roadmap.loc["ping_license_unknown", "arr_unlinked"] == 0
    others = roadmap.drop(index="ping_license_unknown")
    assert (others.arr_unlinked == others.arr_at_stake).all()


def test_roadmap_matches_unmapped_arr_where_they_measure_the_same(roadmap_warehouse):
    coverage = q(roadmap_warehouse, "select * from marts.rpt_integration_coverage").set_index("measure")
    roadmap = q(roadmap_warehouse, "select * from marts.rpt_integration_roadmap").set_index("defect")
    same = {
        "billing_accounts_with_crm_account": ["billing_account_crm_unresolved"],
        "sm_orders_with_license": ["sm_order_without_license"],
        "licenses_with_valid_subscription": ["license_missing_subscription_id", "license_subscription_not_in_zuora"],
    }
    for measure, defects in same.items():
        assert coverage.loc[measure, "unmapped_arr"] == sum(roadmap.loc[x, "arr_at_stake"] for x in defects), measure


def test_a_license_fixed_in_march_counts_from_march_on(roadmap_warehouse):
    frame = q(roadmap_warehouse, """
        select snapshot_month, numerator, denominator from marts.rpt_integration_coverage_monthly
        where measure = 'licenses_with_valid_subscription' order by snapshot_month""")
    months = [m.date() if hasattr(m, "date") else m for m in frame.snapshot_month]
    # the model's months: the first paid lineage (2025-11) to AS_OF (2026-10)
    assert months[0] == dt.date(2025, 11, 1) and months[-1] == dt.date(2026, 10, 1) and len(months) == 12
    numerator = dict(zip(months, frame.numerator))
    denominator = dict(zip(months, frame.denominator))
    assert denominator[dt.date(2025, 12, 1)] == 0  # no license exists yet
    assert all(denominator[dt.date(2026, m, 1)] == 4 for m in range(1, 11))
    assert numerator[dt.date(2026, 1, 1)] == numerator[dt.date(2026, 2, 1)] == 1  # before the fix
    assert all(numerator[dt.date(2026, m, 1)] == 2 for m in range(3, 11))  # from March on


def test_monthly_coverage_ends_where_the_coverage_report_stands(roadmap_warehouse):
    monthly = q(roadmap_warehouse, """
        select measure, numerator, denominator from marts.rpt_integration_coverage_monthly
        where snapshot_month = (select max(snapshot_month) from marts.rpt_integration_coverage_monthly)""")
    coverage = q(roadmap_warehouse, "select measure, numerator, denominator from marts.rpt_integration_coverage")
    merged = monthly.merge(coverage, on="measure", suffixes=("_monthly", ""))
    assert len(merged) == 9
    assert (merged.numerator_monthly == merged.numerator).all()
    assert (merged.denominator_monthly == merged.denominator).all()
    assert merged.denominator.sum() > 0
