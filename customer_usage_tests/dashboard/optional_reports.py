"""Tiny hand-made versions of the reports other parts of the platform build
(data-contract §6/§7 column names), created in a copy of the analysis warehouse,
so the dashboard's sections for them are tested on known values; and a copy
without them, as a warehouse built before those models existed looks."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from customer_usage_tests.analysis_data import ACME

SQL = f"""
create or replace table marts.rpt_product_usage_health_score as
select * from (values
    ('pk1', date '2026-09-01', 'O_SM1', '{ACME}', 'Self-Managed', 63, 'Yellow', 25, 'Red', 44.0, 'Red'),
    ('pk2', date '2026-10-01', 'O_SM1', '{ACME}', 'Self-Managed', 88, 'Green', 88, 'Green', 88.0, 'Green'),
    ('pk3', date '2026-10-01', 'O_SM4', 'other', 'Self-Managed', 25, 'Red', 25, 'Red', 25.0, 'Red')
) as t(primary_key, snapshot_month, dim_subscription_id_original, dim_crm_account_id, deployment_type,
       license_utilization_score, license_utilization_color, ci_score, ci_color, overall_score, overall_color);

create or replace table marts.rpt_integration_defects as
select * from (values
    ('license_zuora', 'license_missing_subscription_id', 'license', '9', 'O_SM3', 600.0),
    ('zuora_sfdc', 'billing_account_crm_unresolved', 'billing_account', 'ZA1', null, 3000.0),
    ('customers_license', 'sm_order_without_license', 'order', '77', 'O_SM5', 1200.0),
    ('license_version', 'ping_license_unknown', 'ping', '10', null, 0.0)
) as t(integration, defect, entity_type, entity_id, dim_subscription_id_original, arr);

create or replace table marts.rpt_ping_metric_totals_w_estimates_monthly as
select * from (values
    (date '2026-10-01', 'Self-Managed', 'umau_28_days_user', 33.0, 80.0, 110.0, 0.7272, 45.375),
    (date '2026-10-01', 'GitLab.com', 'umau_28_days_user', 12.0, 40.0, 40.0, 1.0, 12.0),
    (date '2026-10-01', 'Self-Managed', 'issues_28_days_user', 9.0, 80.0, 110.0, 0.7272, 12.375)
) as t(snapshot_month, deployment_type, metric_name, recorded_usage, reporting_seats, total_seats,
       percent_reporting, estimated_usage);

create or replace table marts.rpt_integration_coverage_monthly as
select * from (values
    (date '2026-09-01', 'license_version', 'pings_mapped_to_subscription', 8, 10, 0.8),
    (date '2026-10-01', 'license_version', 'pings_mapped_to_subscription', 10, 11, 0.909)
) as t(snapshot_month, integration, measure, numerator, denominator, coverage);

create or replace table marts.rpt_integration_roadmap as
select * from (values
    ('sm_order_without_license', 'customers_license', 1, 1, 1200.0, 2),
    ('billing_account_crm_unresolved', 'zuora_sfdc', 1, 0, 3000.0, 1)
) as t(defect, integration, entity_count, subscription_count, arr_at_stake, priority_rank);
"""


def with_optional_reports(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A copy of the warehouse of `env` in `folder` with the five reports; returns its environment."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warehouse.duckdb"
    shutil.copy(env["CUSTOMER_USAGE_DUCKDB_PATH"], path)
    with duckdb.connect(str(path)) as con:
        con.execute(SQL)
    return {**env, "CUSTOMER_USAGE_DUCKDB_PATH": str(path)}


OPTIONAL_TABLES = ("rpt_product_usage_health_score", "rpt_integration_defects",
                   "rpt_ping_metric_totals_w_estimates_monthly", "rpt_integration_coverage_monthly",
                   "rpt_integration_roadmap")


def without_optional_reports(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A copy of the warehouse of `env` in `folder` without the five reports."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "warehouse.duckdb"
    shutil.copy(env["CUSTOMER_USAGE_DUCKDB_PATH"], path)
    with duckdb.connect(str(path)) as con:
        for table in OPTIONAL_TABLES:
            con.execute(f"drop table if exists marts.{table} cascade")
    return {**env, "CUSTOMER_USAGE_DUCKDB_PATH": str(path)}
