"""Business invariants of the simulated data, and the ground truth re-derived independently
from the landing files with the contract's rules (data-contract §4)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from customer_usage_sim.config import DEFAULT_AS_OF, WAVE2_METRICS
from customer_usage.sfdc_ids import is_valid_18, to_18


def test_subscription_versions_form_lineages(demo):
    con = demo.con()
    bad = con.sql("""
        select original_id from zuora__subscription group by original_id
        having min(version) <> 1 or max(version) <> count(*) or count(distinct name) <> 1
            or count(distinct account_id) <> 1
    """).fetchall()
    assert bad == []
    chain = con.sql("""
        select count(*) from zuora__subscription s left join zuora__subscription p on p.id = s.previous_subscription_id
        where (s.version = 1 and s.previous_subscription_id is not null)
           or (s.version > 1 and (p.version <> s.version - 1 or p.original_id <> s.original_id))
    """).fetchall()[0][0]
    assert chain == 0
    statuses = con.sql("""
        select s.status, s.version = m.v latest, count(*) from zuora__subscription s
        join (select original_id, max(version) v from zuora__subscription group by 1) m using (original_id)
        group by all
    """).fetchall()
    for status, latest, _ in statuses:
        assert status in (("Active", "Cancelled") if latest else ("Expired",))
    assert con.sql("select count(*) from zuora__subscription where version > 1").fetchall()[0][0] > 0
    assert con.sql("select count(distinct original_id) from zuora__subscription where status = 'Cancelled'").fetchall()[0][0] > 0


def test_product_rate_plans_and_plans(demo):
    con = demo.con()
    names = {r[0] for r in con.sql("select name from zuora__product_rate_plan").fetchall()}
    assert {"SaaS - Premium", "SaaS - Ultimate", "Self-Managed - Premium", "Self-Managed - Ultimate"} <= names
    used = {r[0] for r in con.sql("select distinct name from zuora__rate_plan").fetchall()}
    assert used == {"SaaS - Premium", "SaaS - Ultimate", "Self-Managed - Premium", "Self-Managed - Ultimate"}
    plans = dict(con.sql("select id, name from gitlab_dotcom__plans").fetchall())
    assert plans == {34: "free", 2: "bronze", 3: "silver", 4: "gold", 100: "premium", 101: "ultimate",
                     102: "ultimate_trial", 103: "premium_trial"}


def test_ids_look_like_their_systems(demo):
    con = demo.con()
    sfdc = [r[0] for r in con.sql("select id from sfdc__account").fetchall()]
    assert all(is_valid_18(i) for i in sfdc)
    for table in ("zuora__account", "zuora__subscription", "zuora__rate_plan", "zuora__rate_plan_charge"):
        assert con.sql(f"select count(*) from {table} where not regexp_full_match(id, '[0-9a-f]{{32}}')").fetchall()[0][0] == 0
    assert con.sql("select count(*) from license_db__licenses where not regexp_full_match(license_md5, '[0-9a-f]{32}')").fetchall()[0][0] == 0


def test_merge_chains_resolve_to_survivors(demo):
    con = demo.con()
    acc = con.sql("select id, master_record_id, is_deleted from sfdc__account").df().set_index("id")
    chains = 0
    for account_id, row in acc[acc["is_deleted"]].iterrows():
        seen, current = 0, account_id
        while acc.loc[current, "is_deleted"]:
            current = acc.loc[current, "master_record_id"]
            seen += 1
            assert seen < 10
        chains += seen > 1
    assert chains > 0, "no merge chain longer than one step"
    truth = con.sql("select crm_account_id, surviving_crm_account_id from t_crm_accounts").fetchall()
    for crm, surv in truth:
        assert not acc.loc[surv, "is_deleted"]


def test_billing_account_truth_follows_contract_rules(demo):
    con = demo.con()
    acc = con.sql("select id, master_record_id, is_deleted from sfdc__account").df().set_index("id")

    def resolve(crm_id):
        if crm_id is None:
            return None
        crm_id = to_18(crm_id)
        if crm_id not in acc.index:
            return None
        while acc.loc[crm_id, "is_deleted"]:
            crm_id = acc.loc[crm_id, "master_record_id"]
        return crm_id

    rows = con.sql("select z.crm_id, t.expected_crm_account_id, t.true_crm_account_id from zuora__account z "
                   "join t_billing_accounts t on t.billing_account_id = z.id").fetchall()
    for crm_id, expected, true in rows:
        assert resolve(crm_id) == expected
        assert expected is None or expected == true


def test_pings_within_history_and_counters_monotonic(demo):
    con = demo.con()
    lo, hi = con.sql("select min(recorded_at), max(recorded_at) from version_db__usage_data").fetchall()[0]
    assert hi < dt.datetime.combine(DEFAULT_AS_OF, dt.time())
    assert lo >= dt.datetime(2024, 11, 1)
    df = con.sql("select uuid, host_id, recorded_at, payload, active_user_count, license_user_count, "
                 "license_billable_users, historical_max_users from version_db__usage_data order by uuid, host_id, recorded_at").df()
    cumulative = [p for p, k in WAVE2_METRICS if k in ("all", "users_all")]
    user28 = [p for p, k in WAVE2_METRICS if k == "user28"]
    docs = [json.loads(p) for p in df["payload"]]

    def get(doc, path):
        for key in path.split("."):
            doc = doc.get(key) if isinstance(doc, dict) else None
        return doc

    for path in cumulative:
        df[path] = [get(d, path) for d in docs]
    checked = 0
    for _, g in df.groupby(["uuid", "host_id"], sort=False):
        for path in cumulative:
            v = g[path].to_numpy(dtype=float)
            v = v[v >= 0]  # -1 = timed out
            assert (np.diff(v) >= 0).all(), path
            checked += len(v)
        assert (np.diff(g["historical_max_users"].to_numpy()) >= 0).all()
    assert checked > 0
    for d, active in zip(docs, df["active_user_count"]):
        for path in user28:
            v = get(d, path)
            assert v is None or v <= active, path
    licensed = df["license_user_count"].notna()
    assert (df.loc[licensed, "active_user_count"] <= df.loc[licensed, "license_user_count"] * 1.15 + 1).all()
    assert (df.loc[licensed, "license_billable_users"] <= df.loc[licensed, "active_user_count"]).all()
    assert (df["historical_max_users"] >= df["active_user_count"]).all()


def test_seats(demo):
    con = demo.con()
    over = con.sql("""
        select count(*) from gitlab_dotcom__gitlab_subscriptions g
        where seats_in_use > seats and id::varchar not in (select row_key from t_defects where defect = 'seats_overage')
    """).fetchall()[0][0]
    assert over == 0
    # seats in use never exceed the billable members (active humans, not pending) of the namespace
    bad = con.sql("""
        with billable as (
            select m.source_id, count(*) n from gitlab_dotcom__members m join gitlab_dotcom__users u on u.id = m.user_id
            where m.requested_at is null and u.state = 'active' and u.user_type is null group by 1)
        select count(*) from gitlab_dotcom__gitlab_subscriptions g left join billable b on b.source_id = g.namespace_id
        where g.seats_in_use > coalesce(b.n, 0)
    """).fetchall()[0][0]
    assert bad == 0
    assert con.sql("select count(*) from gitlab_dotcom__members where requested_at is not null").fetchall()[0][0] > 0
    assert con.sql("select count(*) from gitlab_dotcom__users where user_type is not null").fetchall()[0][0] > 0


def test_subscription_seats_truth_recomputed_from_zuora(demo):
    con = demo.con()
    diff = con.sql("""
        with latest as (
            select * from zuora__subscription where status in ('Active', 'Cancelled')
            qualify row_number() over (partition by original_id order by version desc) = 1),
        months as (
            select l.original_id, m::date as "month" from latest l,
                range(date_trunc('month', l.subscription_start_date), date '2026-10-01' + interval 1 day, interval 1 month) t(m)
            where l.subscription_start_date <= (m + interval 1 month - interval 1 day)::date
              and (l.subscription_end_date is null or l.subscription_end_date > m::date)),
        seats as (
            select mo.original_id, mo.month, coalesce(sum(c.quantity) filter (
                where date_trunc('month', c.effective_start_date) <= mo.month
                  and (c.effective_end_date is null or mo.month < date_trunc('month', c.effective_end_date))), 0) seats
            from months mo join latest l using (original_id)
            join zuora__rate_plan r on r.subscription_id = l.id and not r.deleted
            left join zuora__rate_plan_charge c on c.rate_plan_id = r.id and c.charge_type = 'Recurring' and not c.deleted
            group by 1, 2)
        select count(*) from seats s full join t_subscription_seats t on t.original_id = s.original_id and t.month = s.month
        where s.seats is distinct from t.licensed_seats
    """).fetchall()[0][0]
    assert diff == 0
    assert con.sql("select count(distinct licensed_seats) from t_subscription_seats").fetchall()[0][0] > 5
    assert con.sql("select count(*) from zuora__rate_plan_charge where charge_type = 'OneTime'").fetchall()[0][0] > 0


def test_ping_truth_recomputed_with_contract_rules(demo):
    con = demo.con()
    diff = con.sql("""
        with z as (select id, original_id from zuora__subscription),
        p as (
            select u.id, coalesce(z1.id, z2.id) sub,
                   case when z1.id is not null then 'license_subscription_id' when z2.id is not null then 'license_md5' end src
            from version_db__usage_data u
            left join z z1 on z1.id = u.license_subscription_id
            left join license_db__licenses l on l.license_md5 = u.license_md5
            left join z z2 on z2.id = l.zuora_subscription_id)
        select count(*) from p join t_pings t on t.usage_data_id = p.id
        where p.sub is distinct from t.expected_subscription_id or p.src is distinct from t.expected_subscription_source
    """).fetchall()[0][0]
    assert diff == 0
    # where the rules recover a lineage, it is the true one (the generator never mis-links)
    wrong = con.sql("select count(*) from t_pings where expected_original_id is not null "
                    "and expected_original_id is distinct from true_original_id").fetchall()[0][0]
    assert wrong == 0
    sources = dict(con.sql("select expected_subscription_source, count(*) from t_pings group by 1").fetchall())
    assert sources.get("license_subscription_id", 0) > 0 and sources.get("license_md5", 0) > 0 and sources.get(None, 0) > 0


def test_month_latest_flag(demo):
    con = demo.con()
    diff = con.sql("""
        select count(*) from (
            select t.usage_data_id, t.is_month_latest,
                   u.recorded_at = max(u.recorded_at) over (partition by u.uuid, u.host_id, t.expected_original_id,
                                                            date_trunc('month', u.recorded_at)) expected
            from t_pings t join version_db__usage_data u on u.id = t.usage_data_id)
        where is_month_latest <> expected
    """).fetchall()[0][0]
    assert diff == 0


def test_clean_orders_join(demo):
    con = demo.con()
    bad = con.sql("""
        select count(*) from customers_db__orders o join t_orders t on t.order_id = o.id
        where t.defects = '' and t.order_type = 'paid' and (
            o.subscription_id not in (select id from zuora__subscription)
            or (t.true_namespace_id is not null and o.gl_namespace_id is distinct from t.true_namespace_id))
    """).fetchall()[0][0]
    assert bad == 0
    statuses = {r[0] for r in con.sql("select distinct expected_match_status from t_orders").fetchall()}
    assert {"Paid All Matching", "Trial All Matching", "Order Namespace Not Found",
            "Order Linked to Non-Ultimate Parent Namespace", "Paid Order Missing Namespace Assignment"} <= statuses


def test_gitlab_dotcom_shapes(demo):
    con = demo.con()
    depth = con.sql("""
        select count(*) from gitlab_dotcom__namespaces c join gitlab_dotcom__namespaces p on p.id = c.parent_id
        where p.parent_id is not null""").fetchall()[0][0]
    assert depth > 0, "no nested subgroups"
    kinds = dict(con.sql("select customer_type, count(*) from t_namespaces where is_ultimate_parent group by 1").fetchall())
    assert kinds["free"] > kinds["paid"] > 0 and kinds["trial"] > 0
    truth_ok = con.sql("""
        select count(*) from t_namespaces t join gitlab_dotcom__namespaces n on n.id = t.namespace_id
        where (n.parent_id is null) <> t.is_ultimate_parent""").fetchall()[0][0]
    assert truth_ok == 0
    metrics = con.sql("select count(distinct metric_path), count(distinct namespace_id) from gitlab_dotcom__namespace_ping_metrics").fetchall()[0]
    assert metrics[0] == 28 and metrics[1] > 0
    two = con.sql("""select count(*) from (select namespace_id, date_trunc('month', ping_date) m from gitlab_dotcom__namespace_ping_metrics
                     group by 1, 2 having count(distinct ping_date) > 1)""").fetchall()[0][0]
    assert two > 0


def test_installations_truth(demo):
    con = demo.con()
    t = con.sql("select * from t_installations").df()
    assert t["is_shared_uuid"].any()
    assert set(t["customer_type"]) == {"paid", "free"}
    pings = con.sql("select uuid, host_id, count(*) n, min(recorded_at) f, max(recorded_at) l from version_db__usage_data group by 1, 2").df()
    m = t.merge(pings, on=["uuid", "host_id"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert (m["n"] == m["n_pings"]).all()
    assert (pd.to_datetime(m["f"]) == pd.to_datetime(m["first_ping_at"])).all()
