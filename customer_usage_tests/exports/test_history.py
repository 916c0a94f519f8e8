"""Sync history: one row per export run, one per key sent or failed, bounded by retention,
and the two analyst queries of docs/exports.md answer their questions."""

from __future__ import annotations

import datetime as dt
import json
import re

from customer_usage.exports.sync import ExportPolicy
from customer_usage.settings import PROJECT_ROOT
from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
from customer_usage_tests.exports.trust_helpers import run
from customer_usage_tests.helpers import query

DOC = PROJECT_ROOT / "docs" / "exports.md"
ACCOUNT = "0016g0000000000003"  # the account the documented query asks about


def doc_queries() -> dict[str, str]:
    text = DOC.read_text()
    found = re.findall(r"\*\*(What [^*]+)\*\*[^`]*```sql\n(.*?)```", text, re.S)
    return {title: sql for title, sql in found}


def test_runs_and_row_log_answer_what_was_sent_and_what_failed_yesterday(api, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(6))
    frame = gainsight_frame(8)
    frame.loc[:1, "dim_crm_account_id"] = ACCOUNT
    write_sync_table(db, "sync_gainsight_subscription_usage", frame)
    today = dt.datetime.combine(dt.date.today(), dt.time(6))
    yesterday, long_ago = today - dt.timedelta(days=1), today - dt.timedelta(days=200)

    run(db, "salesforce", api, now=long_ago), run(db, "gainsight", api, now=long_ago)
    run_sql(db, "update exports.sync_sfdc_account_usage set licensed_seats = licensed_seats + 1")
    api.sf_reject[ACCOUNT] = "FIELD_CUSTOM_VALIDATION_EXCEPTION:Seats too high:--"
    failed = run(db, "salesforce", api, now=yesterday)
    assert (failed.sent, failed.failed) == (5, 1)
    api.sf_reject.clear()
    run(db, "salesforce", api, now=today, policy=ExportPolicy(history_retention_days=90))

    runs = query(db, "select export, started_at, sent, failed from export_state.sync_runs order by started_at")
    assert list(runs.export) == ["salesforce_account_usage", "salesforce_account_usage"]  # 200 days: dropped
    assert list(runs.sent) == [5, 1] and list(runs.failed) == [1, 0]
    assert query(db, "select min(logged_at) m from export_state.sync_row_log").m[0] >= today - dt.timedelta(days=90)

    queries = doc_queries()
    assert set(queries) == {"What did we send to this account?", "What failed yesterday?"}
    sent = query(db, queries["What did we send to this account?"])
    assert list(zip(sent.action, sent.status)) == [("update", "failed"), ("update", "sent")]
    assert json.loads(sent.payload[1])["Id"] == ACCOUNT and "Seats too high" in sent.error[0]
    failed_yesterday = query(db, queries["What failed yesterday?"])
    assert list(failed_yesterday.sync_key) == [ACCOUNT] and "Seats too high" in failed_yesterday.error[0]


def test_the_gainsight_rows_of_an_account_are_found_through_their_payload(api, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(2))
    frame = gainsight_frame(8)
    frame.loc[:1, "dim_crm_account_id"] = ACCOUNT
    write_sync_table(db, "sync_gainsight_subscription_usage", frame)
    run(db, "gainsight", api)
    sent = query(db, doc_queries()["What did we send to this account?"])
    assert sorted(sent.sync_key) == sorted(frame.primary_key[frame.dim_crm_account_id == ACCOUNT])
    assert len(sent) == 3 and set(sent.export) == {"gainsight_subscription_usage"}
