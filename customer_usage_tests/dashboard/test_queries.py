"""The dashboard's questions on the hand-made warehouse: search, a customer's
subscriptions and usage, and the sections for reports built elsewhere, both
absent (today) and present (tiny contract-shaped versions)."""

from __future__ import annotations

import pytest

from customer_usage.dashboard import glance, queries
from customer_usage.dashboard.reader import Reader, WarehouseMissing
from customer_usage.settings import Settings
from customer_usage_tests.analysis_data import ACME, GLOBEX
from customer_usage_tests.dashboard.optional_reports import with_optional_reports, without_optional_reports
from customer_usage_tests.helpers import environment

OPTIONAL = {queries.HEALTH, queries.DEFECTS, queries.ESTIMATES, queries.COVERAGE_MONTHLY, queries.ROADMAP}


@pytest.fixture(scope="module")
def reader(analysis_warehouse) -> Reader:
    reader = Reader(Settings.from_env(analysis_warehouse))
    yield reader
    reader.close()


@pytest.fixture(scope="module")
def bare_env(analysis_warehouse, tmp_path_factory) -> dict[str, str]:
    return without_optional_reports(analysis_warehouse, tmp_path_factory.mktemp("bare"))


@pytest.fixture(scope="module")
def full_env(analysis_warehouse, tmp_path_factory) -> dict[str, str]:
    return with_optional_reports(analysis_warehouse, tmp_path_factory.mktemp("optional"))


@pytest.fixture(scope="module")
def full(full_env) -> Reader:
    reader = Reader(Settings.from_env(full_env))
    yield reader
    reader.close()


def acme(reader) -> queries.Customer:
    (found,) = queries.search(reader, ACME)
    return found


def test_search_finds_accounts_namespaces_and_installations(reader):
    assert [(c.kind, c.label) for c in queries.search(reader, "acme")] == [("account", "Acme"),
                                                                           ("namespace", "acme")]
    assert [c.id for c in queries.search(reader, "o_sm4")] == [GLOBEX]  # by subscription name
    assert [c.label for c in queries.search(reader, "globex.test")] == ["prod.globex.test (u6)",
                                                                        "staging.globex.test (u7)"]
    assert queries.search(reader, "200")[0].kind == "namespace"
    assert queries.search(reader, "NoSuchCustomer") == [] and queries.search(reader, "  ") == []


def test_an_account_its_subscriptions_and_usage(reader):
    customer = acme(reader)
    lineages = queries.lineages(reader, customer)
    assert lineages == ["O_SAAS1", "O_SAAS2", "O_SM1", "O_SM2", "O_SM3"]  # not the trial, not the Draft
    assert queries.profile(reader, customer).customer_type.tolist() == ["paid"]
    usage = queries.monthly_usage(reader, customer, ["umau_28_days_user", "container_registry_enabled"],
                                  one_installation=False)
    july = usage[(usage.snapshot_month.astype(str) == "2026-07-01") & (usage.subscription_name == "o_sm1")]
    assert july.umau_28_days_user.tolist() == [12]
    october = usage[(usage.snapshot_month.astype(str) == "2026-10-01") & (usage.subscription_name == "o_sm1")]
    assert october[["license_user_count", "billable_user_count", "umau_28_days_user"]].values.tolist() == [
        [60, 53, 17]]  # seats once, users of both installations
    one = queries.monthly_usage(reader, customer, ["umau_28_days_user"])  # default: one installation each
    october = one[(one.snapshot_month.astype(str) == "2026-10-01") & (one.subscription_name == "o_sm1")]
    assert october[["billable_user_count", "umau_28_days_user"]].values.tolist() == [[48, 14]]  # h1, not h2
    places = queries.installations(reader, customer)
    assert set(places.reported_by) == {"namespace 100", "namespace 200", "h1 (u1)", "h2 (u2)", "h3 (u3)",
                                       "h5 (u5)"}


def test_no_query_reads_person_data(reader):
    customer = acme(reader)
    frames = [queries.profile(reader, customer), queries.subscriptions(reader, queries.lineages(reader, customer)),
              queries.installations(reader, customer), queries.monthly_usage(reader, customer, [])]
    for frame in frames:
        assert not {"email", "first_name", "last_name", "company", "namespace_name"} & set(frame.columns)
        assert not frame.astype(str).apply(lambda c: c.str.contains("@", regex=False)).any().any()


def test_an_unknown_metric_is_refused(reader):
    with pytest.raises(ValueError, match="not a chartable metric"):
        queries.usage_trend(reader, "umau; drop table x")


def test_usage_trend_by_deployment_and_tier(reader):
    trend = queries.usage_trend(reader, "ci_pipelines_28_days_user", one_installation=False)
    october = trend[trend.snapshot_month.astype(str) == "2026-10-01"].set_index(["deployment_type", "product_tier"])
    assert october.loc[("Self-Managed", "Ultimate"), "value"] == 10  # prod 9 + staging 1
    one = queries.usage_trend(reader, "ci_pipelines_28_days_user")
    assert one[(one.snapshot_month.astype(str) == "2026-10-01") & (one.product_tier == "Ultimate")
               & (one.deployment_type == "Self-Managed")].value.tolist() == [9]  # prod only
    assert october.loc[("Self-Managed", "Premium"), ["subscriptions", "subscriptions_reporting"]].tolist() == [3, 1]


def test_optional_reports_are_built_by_the_model(reader):
    assert OPTIONAL <= reader.tables()


def test_a_warehouse_without_the_optional_reports(bare_env):
    assert not OPTIONAL & Reader(Settings.from_env(bare_env)).tables()


def test_optional_reports_when_they_exist(full):
    assert OPTIONAL <= full.tables()
    customer = acme(full)
    ids = queries.lineages(full, customer)
    health = queries.health(full, ids)
    assert health[["dim_subscription_id_original", "overall_color"]].values.tolist() == [["O_SM1", "Green"]]
    defects = queries.defects(full, customer, ids)
    assert sorted(defects.defect) == ["billing_account_crm_unresolved", "license_missing_subscription_id"]
    (installation,) = queries.search(full, "u8")
    assert queries.defects(full, installation, queries.lineages(full, installation)).defect.tolist() == [
        "ping_license_unknown"]
    assert queries.estimates(full, "umau_28_days_user").deployment_type.tolist() == ["GitLab.com", "Self-Managed"]
    assert queries.coverage_monthly(full).coverage.tolist() == [0.8, 0.909]
    assert queries.roadmap(full).defect.tolist() == ["billing_account_crm_unresolved", "sm_order_without_license"]


def test_month_column_of_the_monthly_coverage():
    assert queries.month_column(("integration", "coverage_month", "coverage")) == "coverage_month"
    assert queries.month_column(("integration", "measure")) is None


def test_a_missing_warehouse_says_how_to_build_it(tmp_path):
    reader = Reader(Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(tmp_path / "none.duckdb")}))
    with pytest.raises(WarehouseMissing, match="make run"):
        reader.tables()


def _app(env: dict[str, str], query: str):
    from streamlit.testing.v1 import AppTest

    from customer_usage.dashboard.launch import APP

    with environment(**env):
        app = AppTest.from_file(str(APP), default_timeout=120)
        app.query_params["q"] = query
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_customer_360_draws_health_and_defects_when_they_exist(full_env):
    app = _app(full_env, ACME)
    text = " ".join(t.value.astype(str).to_csv() for t in [*app.table, *app.dataframe])
    assert "Green" in text and "license_missing_subscription_id" in text
    assert not [c for c in app.caption if "appear here once" in c.value]


def test_customer_360_says_which_reports_are_missing(bare_env):
    app = _app(bare_env, ACME)
    captions = " ".join(c.value for c in app.caption)
    assert f"once marts.{queries.HEALTH} is built" in captions and f"once marts.{queries.DEFECTS} is built" in captions


def _glance(reader, customer):
    bands = glance.bands(reader)
    measures = glance.measure_columns(bands, reader.columns("marts", queries.MART.split(".")[1]))
    last = glance.last_month(reader, customer, measures)
    return glance.summary(last, glance.account_health(reader, customer.id, last.snapshot_month.max()), measures,
                          bands).set_index("measure"), last


def test_last_month_at_a_glance_puts_ci_users_next_to_their_health(reader):
    summary, last = _glance(reader, queries.search(reader, GLOBEX)[0])
    assert list(summary.index)[0] == "ci" and summary.loc["ci", "metric"] == "ci_pipelines_28_days_user"
    assert last.snapshot_month.astype(str).unique().tolist() == ["2026-10-01"]
    # O_SM4's primary installation (prod: 9 of 18 billable users), not its staging server; O_SM5 never reports
    assert summary.loc["ci", ["users", "share_of_billable_users", "color", "score"]].tolist() == [9, 0.5, "Green", 88]
    assert last.set_index("subscription_name").ci_color.to_dict() == {"o_sm4": "Green", "o_sm5": None}
    summary, _ = _glance(reader, acme(reader))
    # O_SM1's primary installation: 3 of 48; the GitLab.com subscriptions report no CI users
    assert summary.loc["ci", ["users", "color", "score"]].tolist() == [3, "Red", 25]
    assert summary.loc["ci", "share_of_billable_users"] == pytest.approx(3 / 48)


def test_bands_in_words_come_from_the_warehouse(reader):
    bands = glance.bands(reader)
    assert glance.band_text(bands, "ci") == "Red < 10% · Yellow ≤ 33% · Green otherwise"
    assert glance.band_text(bands, "overall", percent=False) == "Red ≤ 50 · Yellow ≤ 75 · Green otherwise"
    assert glance.band_text(bands, "license_utilization").startswith("account age 3–6 months: Red ≤ 10%")


def test_the_reader_lets_go_of_the_file_when_idle(analysis_warehouse, tmp_path):
    import shutil
    import time

    import duckdb

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(analysis_warehouse["CUSTOMER_USAGE_DUCKDB_PATH"], path)
    idle = Reader(Settings.from_env({"CUSTOMER_USAGE_DUCKDB_PATH": str(path)}), idle_close_s=0.2)
    assert queries.HEALTH in idle.tables() and idle.tables() == idle.tables()  # one connection, reused
    deadline = time.monotonic() + 30
    while idle._duckdb is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert idle._duckdb is None, "the idle reader still holds the warehouse"
    with duckdb.connect(str(path)) as writer:  # a rebuild can write it now
        writer.execute(f"drop table marts.{queries.HEALTH} cascade")
    assert queries.HEALTH not in idle.tables()  # and the reader sees the new file
    idle.close()


def test_no_pages_folder_next_to_the_app():
    """Streamlit runs a `pages/` module beside the main script on its own when a server's first visitor
    opens a deep link (`/usage_trends`): a blank page. The page modules live in `views/`."""
    from customer_usage.dashboard.launch import APP

    assert not (APP.parent / "pages").exists()
    assert (APP.parent / "views" / "usage_trends.py").is_file()


def test_the_dashboard_does_not_import_dagster():
    """Its server's first page pays for every import: Dagster and its Snowflake integration took
    7-30 s here, and the dashboard only reads the DuckDB file (Snowflake is imported when used)."""
    import subprocess
    import sys

    code = ("import sys, customer_usage.dashboard.cache, customer_usage.dashboard.views.customer_360, "
            "customer_usage.dashboard.views.usage_trends, customer_usage.dashboard.views.integration_health; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_snowflake')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout[-2000:]
