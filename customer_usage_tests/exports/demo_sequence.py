"""A walk through the export lifecycle on a built warehouse (demo data), against the local
Salesforce/Gainsight protocol servers with the real clients:

    python -m customer_usage_tests.exports.demo_sequence data/warehouse.duckdb

Works on a copy of the file. Steps: first sync, a change, a merge (one account merged
into another, one subscription ended), a dry run and the run that follows, a failure
streak that parks a row, then the two analyst queries of docs/exports.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from customer_usage.exports.mapping import load_mappings
from customer_usage.exports.preview import dry_run
from customer_usage.exports.sync import ExportPolicy
from customer_usage.exports.trust import parked_rows
from customer_usage.settings import PROJECT_ROOT
from customer_usage.warehouse import WarehouseResource
from customer_usage_tests.exports.fake_api import FakeApiServer
from customer_usage_tests.exports.trust_helpers import run

SF, GS = "exports.sync_sfdc_account_usage", "exports.sync_gainsight_subscription_usage"


def sql(path: Path, text: str):
    with duckdb.connect(str(path)) as con:
        return con.execute(text).fetchall()


def show(step: str, *results) -> None:
    for r in results:
        print(f"{step:<22} {r.export:<30} sent {r.sent:>5} (insert {r.inserted:>5}, update {r.updated:>4}, "
              f"removed {r.removed:>3})  unchanged {r.unchanged:>5}  failed {r.failed:>2}  parked {r.parked}")


def main(source: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="export_demo_"))
    db = work / "warehouse.duckdb"
    shutil.copy(source, db)
    sql(db, "drop schema if exists export_state cascade")
    with FakeApiServer(work / "certs", timeout_hold_seconds=0.6) as api:
        os.environ["REQUESTS_CA_BUNDLE"] = str(api.cert_path)
        def sync(system: str):
            return run(db, system, api, timeout_seconds=30)

        def both():
            return sync("salesforce"), sync("gainsight")

        show("1 first sync", *both())

        sql(db, f"update {SF} set billable_user_count = billable_user_count + 1 where dim_crm_account_id in "
                f"(select dim_crm_account_id from {SF} where billable_user_count is not null order by 1 limit 5)")
        sql(db, f"update {GS} set billable_user_count = billable_user_count + 1 where primary_key in "
                f"(select primary_key from {GS} where billable_user_count is not null order by 1 limit 10)")
        show("2 change", *both())

        merged, survivor = [r[0] for r in sql(db, f"select dim_crm_account_id from {SF} "
                                                  "where subscription_count > 0 order by 1 limit 2")]
        ended = sql(db, f"select dim_subscription_id_original from {GS} where dim_crm_account_id <> '{merged}' "
                        "order by 1 limit 1")[0][0]
        sql(db, f"update {SF} set licensed_seats = licensed_seats + (select licensed_seats from {SF} "
                f"where dim_crm_account_id = '{merged}') where dim_crm_account_id = '{survivor}'")
        sql(db, f"delete from {SF} where dim_crm_account_id = '{merged}'")
        sql(db, f"update {GS} set dim_crm_account_id = '{survivor}' where dim_crm_account_id = '{merged}'")
        sql(db, f"delete from {GS} where dim_subscription_id_original = '{ended}'")
        print(f"   (account {merged} merged into {survivor}; subscription lineage {ended} ended)")
        show("3 merge", *both())
        show("3b next run", *both())

        sql(db, f"update {SF} set licensed_seats = licensed_seats + 10 where dim_crm_account_id in "
                f"(select dim_crm_account_id from {SF} where licensed_seats is not null order by 1 desc limit 3)")
        api.clear_log()
        with WarehouseResource(target="local", duckdb_path=str(db)).connect() as wh:
            summary = dry_run(wh, load_mappings(), ExportPolicy(preview_rows=2), work / "preview")
        for name, counts in summary.items():
            print(f"4 dry run              {name:<30} insert {counts['insert']}, update {counts['update']}, "
                  f"clear/delete {counts['clear_or_delete']}, leave {counts['leave']}  (requests sent: "
                  f"{len(api.requests)})")
        api.clear_log()
        show("4 run after dry run", *both())

        bad = sql(db, f"select dim_crm_account_id from {SF} order by 1 limit 1")[0][0]
        api.sf_reject[bad] = "FIELD_CUSTOM_VALIDATION_EXCEPTION:Seats cannot exceed contract:licensed_seats__c --"
        sql(db, f"update {SF} set licensed_seats = coalesce(licensed_seats, 0) + 1 where dim_crm_account_id = '{bad}'")
        for attempt in range(1, 7):
            result = sync("salesforce")
            with WarehouseResource(target="local", duckdb_path=str(db)).connect() as wh:
                parked = parked_rows(wh, "salesforce_account_usage", 5)
            show(f"5 failure run {attempt}", result)
            print(f"{'':<22} no_parked_rows check: {'ERROR ' + json.dumps(parked) if parked else 'passed'}")
        api.sf_reject.clear()
        sql(db, f"update {SF} set licensed_seats = licensed_seats - 1 where dim_crm_account_id = '{bad}'")
        show("5 content changed", sync("salesforce"))

        doc = (PROJECT_ROOT / "docs" / "exports.md").read_text()
        for title, query in re.findall(r"\*\*(What [^*]+)\*\*[^`]*```sql\n(.*?)```", doc, re.S):
            query = query.replace("0016g0000000000003", survivor if "send" in title else "")
            if "yesterday" in title:  # the demo ran today: the same query over today
                query = query.replace("current_date - 1", "current_date").replace(
                    "< current_date", "< current_date + 1")
            print(f"\n-- {title}\n{query}")
            with duckdb.connect(str(db)) as con:
                print(con.sql(query).limit(12))
    print(f"(work folder: {work})")


if __name__ == "__main__":
    main(sys.argv[1])
