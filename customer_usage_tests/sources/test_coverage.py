"""Key-coverage checks: the numbers (hand-made sample and generated data against the
generator's ground truth), the thresholds, and blocking in a run.
"""

from __future__ import annotations

import random
import string

import dagster as dg
import duckdb
import pandas as pd
import pytest

from customer_usage.checks.coverage import MEASURES, compute, measure, sfdc_id_18_sql
from customer_usage.checks.definitions import evaluate
from customer_usage.checks.thresholds import Threshold, load_thresholds
from customer_usage.sfdc_ids import to_18
from customer_usage.sources.contract import load_contract
from customer_usage.sources.loader import load_into_duckdb
from customer_usage.warehouse import DuckDBWarehouse
from customer_usage_tests.helpers import local_settings, write_landing
from customer_usage_tests.sources.runner import check_results, materialized, run, source_definitions
from customer_usage_tests.sources.sample_landing import EXPECTED_COVERAGE, sample_tables

NAMESPACE_DEFECTS = ("order_missing_namespace", "order_on_subgroup", "order_unknown_namespace")
MISSING_NAMESPACE_STATUSES = {
    "Order Namespace Not Found", "Order Linked to Non-Ultimate Parent Namespace",
    "Paid Order Missing Namespace Assignment", "Free Order Missing Namespace Assignment",
}


def load_all(landing, db_path) -> None:
    with duckdb.connect(str(db_path)) as con:
        wh = DuckDBWarehouse(con)
        for spec in load_contract():
            load_into_duckdb(wh, spec, landing)


def coverage_of(db_path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        results = [compute(DuckDBWarehouse(con), m) for m in MEASURES]
    return {r.measure.name: (r.numerator, r.denominator) for r in results}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("coverage_sample")
    write_landing(tmp / "landing", sample_tables())
    load_all(tmp / "landing", tmp / "warehouse.duckdb")
    return tmp / "warehouse.duckdb"


def test_every_measure_of_the_contract_is_checked():
    assert [m.name for m in MEASURES] == list(EXPECTED_COVERAGE)
    assert {m.integration for m in MEASURES} == {
        "gitlab_customers", "customers_zuora", "customers_license", "license_zuora", "license_version", "zuora_sfdc"}


def test_coverage_of_the_hand_made_sample(sample_db):
    assert coverage_of(sample_db) == EXPECTED_COVERAGE


def test_unmatched_keys_are_sampled(sample_db):
    with duckdb.connect(str(sample_db), read_only=True) as con:
        result = compute(DuckDBWarehouse(con), measure("orders_with_zuora_subscription"))
    assert result.sample_unmatched == ["4", "7"]


def test_sfdc_id_conversion_in_sql_matches_python():
    rng = random.Random(7)
    ids = ["".join(rng.choice(string.ascii_letters + string.digits) for _ in range(15)) for _ in range(300)]
    with duckdb.connect() as con:
        got = con.execute(f"select {sfdc_id_18_sql('x')} from (select unnest(?) as x, generate_subscripts(?, 1) as i) "
                          "order by i", [ids, ids]).fetchall()
        eighteen = con.execute(f"select {sfdc_id_18_sql('x')} from (select ? as x)", [to_18(ids[0])]).fetchone()[0]
    assert [g[0] for g in got] == [to_18(i) for i in ids]
    assert eighteen == to_18(ids[0])  # an 18-character id is left as it is


# --- severities ---------------------------------------------------------------------------

@pytest.mark.parametrize("numerator, passed, severity", [
    (96, True, dg.AssetCheckSeverity.ERROR),  # passed results carry the default severity
    (90, False, dg.AssetCheckSeverity.WARN),
    (40, False, dg.AssetCheckSeverity.ERROR),
])
def test_thresholds_give_the_severity(numerator, passed, severity):
    from customer_usage.checks.coverage import CoverageResult

    result = evaluate(CoverageResult(measure("sm_orders_with_license"), numerator, 100, ["7"]),
                      Threshold(warn=0.95, error=0.5))
    assert (result.passed, result.severity) == (passed, severity)
    assert result.metadata["numerator"].value == numerator and result.metadata["denominator"].value == 100
    assert result.metadata["coverage"].value == numerator / 100
    assert result.metadata["sample_unmatched_keys"].value == ["7"]


def test_empty_denominator_passes():
    from customer_usage.checks.coverage import CoverageResult

    result = evaluate(CoverageResult(measure("sm_orders_with_license"), 0, 0, []), Threshold(0.9, 0.5))
    assert result.passed and "nothing to cover" in result.description


def test_thresholds_file_is_validated(tmp_path):
    names = [m.name for m in MEASURES]
    assert set(load_thresholds(measures=names)) == set(names)
    path = tmp_path / "t.yml"
    path.write_text("defaults: {warn: 0.9, error: 0.5}\nmeasures:\n  no_such_measure: {warn: 1, error: 1}\n")
    with pytest.raises(ValueError, match="unknown coverage measure"):
        load_thresholds(path, measures=names)
    path.write_text("defaults: {warn: 0.5, error: 0.9}\n")
    with pytest.raises(ValueError, match="error .* <= warn"):
        load_thresholds(path, measures=names)


# --- in a run: checks guard what leaves, not what is learned --------------------------------

def test_coverage_below_error_never_blocks_downstream_and_a_handful_of_rows_is_only_a_warn(tmp_path):
    """customers_with_zuora_account is 1/3 (< error 0.5) but over 3 rows, fewer than
    min_sample 5: a WARN that holds nothing; billing_accounts_with_crm_account is 3/4
    (WARN). What reads either table still runs: coverage checks are not blocking."""
    write_landing(tmp_path / "landing", sample_tables())

    @dg.asset(key=["test", "customer_report"], deps=[dg.AssetKey(["customers_db", "customers"])])
    def customer_report():
        return None

    @dg.asset(key=["test", "billing_report"], deps=[dg.AssetKey(["zuora", "account"])])
    def billing_report():
        return None

    defs = source_definitions(local_settings(tmp_path), extra_assets=[customer_report, billing_report])
    result = run(defs, ["customers_db/customers", "zuora/account", "sfdc/account",
                        "test/customer_report", "test/billing_report"])
    checks = check_results(result)
    small = checks[("customers_db/customers", "coverage_customers_with_zuora_account")]
    assert not small.passed and small.severity == dg.AssetCheckSeverity.WARN
    assert "fewer than min_sample" in small.description
    warned = checks[("zuora/account", "coverage_billing_accounts_with_crm_account")]
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    done = materialized(result)
    assert {"customers_db/customers", "test/billing_report", "test/customer_report"} <= set(done)


def test_coverage_below_error_over_enough_rows_is_an_error_that_still_blocks_nothing(tmp_path):
    tables = sample_tables()
    customers = tables["customers_db/customers"]
    extra = pd.concat([customers.iloc[[1]]] * 6, ignore_index=True)  # customer 2: unknown Zuora account
    extra["id"] = range(100, 106)
    tables["customers_db/customers"] = pd.concat([customers, extra], ignore_index=True)
    write_landing(tmp_path / "landing", tables)

    @dg.asset(key=["test", "customer_report"], deps=[dg.AssetKey(["customers_db", "customers"])])
    def customer_report():
        return None

    defs = source_definitions(local_settings(tmp_path), extra_assets=[customer_report])
    result = run(defs, ["customers_db/customers", "zuora/account", "test/customer_report"])
    check = check_results(result)[("customers_db/customers", "coverage_customers_with_zuora_account")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "1/9 = 11.1%" in check.description
    assert "test/customer_report" in materialized(result) and result.success


# --- generated data against the generator's ground truth --------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    core = pytest.importorskip("customer_usage_sim.core")
    tmp = tmp_path_factory.mktemp("coverage_generated")
    result = core.generate(tmp / "landing", scale="demo", seed=3)
    load_all(result.landing_dir, tmp / "warehouse.duckdb")
    return result, coverage_of(tmp / "warehouse.duckdb")


def _has(defects: pd.Series, label: str) -> pd.Series:
    return defects.fillna("").str.split(",").apply(lambda labels: label in labels)


def expected_from_truth(landing, truth) -> dict[str, tuple[int, int]]:
    """Each measure worked out from the ground truth (or, for the two the truth does not
    cover, from the landing files with pandas), independently of the SQL."""
    tr = lambda name: pd.read_parquet(truth / f"{name}.parquet")  # noqa: E731
    land = lambda system, table: pd.read_parquet(landing / system / f"{table}.parquet")  # noqa: E731
    out = {}

    accounts = land("zuora", "account").set_index("id")
    ba = tr("billing_accounts")
    ba = ba[~ba["billing_account_id"].map(accounts["deleted"]).astype(bool)]
    out["billing_accounts_with_crm_account"] = (int(ba["expected_crm_account_id"].notna().sum()),
                                                int(ba["crm_id"].notna().sum()))
    lic = tr("licenses")
    lic = lic[~lic["trial"].fillna(False).astype(bool)]
    out["licenses_with_valid_subscription"] = (int(lic["is_valid"].sum()), len(lic))

    pings = tr("pings")
    md5 = pings["usage_data_id"].map(land("version_db", "usage_data").set_index("id")["license_md5"])
    pings = pings[md5.notna()]
    out["pings_with_known_license"] = (int((~_has(pings["defects"], "ping_unknown_license_md5")).sum()), len(pings))
    out["pings_mapped_to_subscription"] = (int(pings["expected_subscription_id"].notna().sum()), len(pings))

    orders = tr("orders")
    non_trial = orders[orders["order_type"] != "trial"]
    paid = orders[orders["order_type"] == "paid"]
    out["orders_with_zuora_subscription"] = (
        int((~_has(paid["defects"], "order_subscription_not_in_zuora")).sum()), len(paid))
    saas = non_trial[non_trial["deployment_type"] == "GitLab.com"]
    out["saas_orders_with_valid_namespace"] = (
        int((~saas["expected_match_status"].isin(MISSING_NAMESPACE_STATUSES)).sum()), len(saas))
    ns = tr("namespaces")
    paid_ns = ns[ns["is_ultimate_parent"] & (ns["customer_type"] == "paid")]
    on_namespace = non_trial[~pd.concat([_has(non_trial["defects"], d) for d in NAMESPACE_DEFECTS], axis=1).any(axis=1)]
    out["paid_namespaces_with_order"] = (
        int(paid_ns["namespace_id"].isin(on_namespace["true_namespace_id"].dropna()).sum()), len(paid_ns))

    customers = land("customers_db", "customers")
    with_account = customers[customers["zuora_account_id"].notna()]
    live_accounts = set(accounts.index[~accounts["deleted"].astype(bool)])
    out["customers_with_zuora_account"] = (int(with_account["zuora_account_id"].isin(live_accounts).sum()),
                                           len(with_account))
    sm = non_trial[non_trial["deployment_type"] == "Self-Managed"]
    names = set(land("license_db", "licenses")["zuora_subscription_name"].dropna())
    sm_names = sm["order_id"].map(land("customers_db", "orders").set_index("id")["subscription_name"])
    out["sm_orders_with_license"] = (int(sm_names.isin(names).sum()), len(sm))
    return out


def test_coverage_of_generated_data_equals_the_ground_truth(generated):
    result, coverage = generated
    expected = expected_from_truth(result.landing_dir, result.truth_dir)
    assert set(expected) == set(coverage)
    assert coverage == expected
    assert all(denominator > 0 for _, denominator in coverage.values())


def test_generated_data_never_reaches_error_with_default_thresholds(generated):
    _, coverage = generated
    thresholds = load_thresholds(measures=[m.name for m in MEASURES])
    below = {name: n / d for name, (n, d) in coverage.items() if n / d < thresholds[name].error}
    assert below == {}
