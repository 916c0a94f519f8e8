"""Each injected defect sits exactly where its condition holds in the landing data (label ⇔
condition), at its configured rate."""

from __future__ import annotations

import json
import math

import pytest

from customer_usage_sim.config import DefectRates
from customer_usage_tests.sim.conftest import HIGH_RATES

# label -> (system, table, SQL giving the keys where the condition holds, SQL giving the population's keys)
PAID_SAAS_ORDERS = ("select order_id::varchar k from t_orders where order_type = 'paid' and true_namespace_id is not null")
CONDITIONS = {
    "order_missing_namespace": ("customers_db", "orders",
        "select o.id::varchar k from customers_db__orders o join t_orders t on t.order_id = o.id "
        "where t.order_type = 'paid' and t.true_namespace_id is not null and o.gl_namespace_id is null",
        PAID_SAAS_ORDERS),
    "order_on_subgroup": ("customers_db", "orders",
        "select o.id::varchar k from customers_db__orders o join gitlab_dotcom__namespaces n on n.id = o.gl_namespace_id "
        "where n.parent_id is not null", PAID_SAAS_ORDERS),
    "order_unknown_namespace": ("customers_db", "orders",
        "select id::varchar k from customers_db__orders where gl_namespace_id is not null "
        "and gl_namespace_id not in (select id from gitlab_dotcom__namespaces)", PAID_SAAS_ORDERS),
    "order_subscription_not_in_zuora": ("customers_db", "orders",
        "select id::varchar k from customers_db__orders where subscription_id is not null "
        "and subscription_id not in (select id from zuora__subscription)",
        "select order_id::varchar k from t_orders where order_type = 'paid'"),
    "expired_order_missing_product_rate_plan": ("customers_db", "orders",
        "select id::varchar k from customers_db__orders where product_rate_plan_id is null",
        "select id::varchar k from customers_db__orders where end_date < (select max(recorded_at)::date + 1 from version_db__usage_data)"),
    "license_missing_subscription_id": ("license_db", "licenses",
        "select id::varchar k from license_db__licenses where not trial and zuora_subscription_id is null",
        "select id::varchar k from license_db__licenses where not trial"),
    "license_unknown_subscription_id": ("license_db", "licenses",
        "select id::varchar k from license_db__licenses where zuora_subscription_id is not null "
        "and zuora_subscription_id not in (select id from zuora__subscription)",
        "select id::varchar k from license_db__licenses where not trial"),
    "ping_unknown_license_md5": ("version_db", "usage_data",
        "select id::varchar k from version_db__usage_data where license_md5 is not null "
        "and license_md5 not in (select license_md5 from license_db__licenses)",
        "select usage_data_id::varchar k from t_pings where true_original_id is not null"),
    "ping_missing_license_md5": ("version_db", "usage_data",
        "select u.id::varchar k from version_db__usage_data u join t_pings t on t.usage_data_id = u.id "
        "where u.license_md5 is null and t.true_original_id is not null",
        "select usage_data_id::varchar k from t_pings where true_original_id is not null"),
    "duplicate_gitlab_subscriptions": ("gitlab_dotcom", "gitlab_subscriptions",
        "select id::varchar k from (select id, row_number() over (partition by namespace_id order by updated_at desc, id desc) rn "
        "from gitlab_dotcom__gitlab_subscriptions) where rn > 1",
        None),  # rate: see test_duplicate_rate
    "seats_overage": ("gitlab_dotcom", "gitlab_subscriptions",
        "select id::varchar k from gitlab_dotcom__gitlab_subscriptions where seats_in_use > seats",
        "select id::varchar k from gitlab_dotcom__gitlab_subscriptions where hosted_plan_id in (2, 3, 4, 100, 101)"),
    "sfdc_merged_account": ("sfdc", "account",
        "select id k from sfdc__account where is_deleted", None),
    "crm_id_15_char": ("zuora", "account",
        "select id k from zuora__account where length(crm_id) = 15",
        "select billing_account_id k from t_billing_accounts where defects not like '%crm_id_missing%' and defects not like '%crm_id_unknown%'"),
    "crm_id_missing": ("zuora", "account", "select id k from zuora__account where crm_id is null",
                       "select id k from zuora__account"),
    "crm_id_unknown": ("zuora", "account",
        "select id k from zuora__account where crm_id is not null and not exists "
        "(select 1 from sfdc__account s where left(s.id, 15) = left(crm_id, 15))",
        "select id k from zuora__account"),
    "crm_id_merged_account": ("zuora", "account",
        "select z.id k from zuora__account z join sfdc__account s on left(s.id, 15) = left(z.crm_id, 15) where s.is_deleted",
        None),
    "paid_namespace_without_order": ("gitlab_dotcom", "namespaces",
        "select n.namespace_id::varchar k from t_namespaces n where n.is_ultimate_parent and n.customer_type = 'paid' "
        "and n.true_original_id is not null and n.namespace_id not in "
        "(select true_namespace_id from t_orders where true_namespace_id is not null and order_type = 'paid')",
        "select namespace_id::varchar k from t_namespaces where is_ultimate_parent and customer_type = 'paid' and true_original_id is not null"),
}
RATE_KEYS = {"crm_id_merged_account": None, "sfdc_merged_account": None}


def _labelled(con, system, table, label) -> set[str]:
    return {r[0] for r in con.sql(
        f"select row_key from t_defects where system = '{system}' and \"table\" = '{table}' and defect = '{label}'").fetchall()}


@pytest.mark.parametrize("label", sorted(CONDITIONS))
@pytest.mark.parametrize("dataset", ["demo", "demo_high_rates"])
def test_defect_label_iff_condition(label, dataset, request):
    ds = request.getfixturevalue(dataset)
    con = ds.con()
    system, table, condition, _ = CONDITIONS[label]
    where = {r[0] for r in con.sql(condition).fetchall()}
    labelled = _labelled(con, system, table, label)
    assert where, f"{label}: no row has the defect"
    assert labelled == where, f"{label}: {len(labelled - where)} labelled without the defect, {len(where - labelled)} unlabelled"


@pytest.mark.parametrize("label", sorted(k for k, v in CONDITIONS.items() if v[3] is not None))
def test_defect_rate_matches_configuration(label, demo_high_rates):
    con = demo_high_rates.con()
    system, table, _, population = CONDITIONS[label]
    pop = {r[0] for r in con.sql(population).fetchall()}
    labelled = _labelled(con, system, table, label)
    rate = HIGH_RATES[label]
    measured = len(labelled & pop) / len(pop)
    tolerance = 4 * math.sqrt(rate * (1 - rate) / len(pop)) + 0.01
    assert abs(measured - rate) <= tolerance, f"{label}: measured {measured:.3f} vs configured {rate} (n={len(pop)})"


def test_duplicate_rate(demo_high_rates):
    con = demo_high_rates.con()
    namespaces, dups = con.sql("select count(distinct namespace_id), count(*) - count(distinct namespace_id) "
                               "from gitlab_dotcom__gitlab_subscriptions").fetchall()[0]
    rate = HIGH_RATES["duplicate_gitlab_subscriptions"]
    assert abs(dups / namespaces - rate) <= 4 * math.sqrt(rate * (1 - rate) / namespaces) + 0.01


def test_ping_level_rates(demo_high_rates):
    con = demo_high_rates.con()
    n = con.sql("select count(*) from t_pings").fetchall()[0][0]
    for label in ("metric_minus_one", "metric_absent_old_ping", "several_pings_per_month"):
        k = con.sql(f"select count(*) from t_pings where defects like '%{label}%'").fetchall()[0][0]
        rate = HIGH_RATES[label]
        assert abs(k / n - rate) <= 4 * math.sqrt(rate * (1 - rate) / n) + 0.01, f"{label}: {k / n:.3f} vs {rate}"


def test_resent_pings_share_month_with_an_earlier_ping(demo):
    con = demo.con()
    bad = con.sql(
        "select count(*) from t_pings t join version_db__usage_data u on u.id = t.usage_data_id "
        "where t.defects like '%several_pings_per_month%' and not exists (select 1 from version_db__usage_data p "
        "where p.uuid = u.uuid and p.host_id = u.host_id and p.recorded_at < u.recorded_at "
        "and date_trunc('month', p.recorded_at) = date_trunc('month', u.recorded_at))").fetchall()[0][0]
    assert bad == 0


def test_zero_rates_give_clean_data(tmp_path):
    from customer_usage_sim.core import generate

    result = generate(tmp_path / "landing", scale="demo", seed=5, rates={k: 0.0 for k in DefectRates().as_dict()})
    import duckdb

    with duckdb.connect() as con:
        n = con.sql(f"select count(*) from read_parquet('{result.truth_dir / 'defects.parquet'}')").fetchall()[0][0]
    assert n == 0


def test_rates_json_records_configuration(demo_high_rates):
    info = json.loads((demo_high_rates.truth / "rates.json").read_text())
    assert info["rates"]["crm_id_15_char"] == HIGH_RATES["crm_id_15_char"]
    assert info["seed"] == 3 and info["scale"] == "demo"
    assert info["row_counts"]["version_db/usage_data"] > 0


def test_unknown_rate_name_is_rejected():
    with pytest.raises(ValueError, match="unknown defect rate"):
        DefectRates.with_overrides({"no_such_defect": 0.1})
