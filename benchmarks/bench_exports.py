"""What an export costs: first sync vs. no-change re-run vs. a 1 % change, per destination.

Side by side in one run, on synthesised sync tables of the scale's size (one row
per Salesforce account, one per monthly mart row for Gainsight), against the
local fake Salesforce + Gainsight server (HTTPS on 127.0.0.1, real
simple-salesforce / requests client code):

* `*_first_sync_rows_per_s`: every row sent (hash, diff, upsert, state write).
* `*_no_change_vs_first`: a re-run with nothing changed (reads, hashes, diffs,
  sends nothing) ÷ the first sync; the diff is what makes re-runs cheap.
* `*_one_pct_vs_first`: 1 % of rows changed ÷ the first sync.
* `outbox_vs_salesforce`: the local outbox (no credentials) ÷ the Salesforce
  path on the same rows.
* `gainsight_rate_limited_minutes`: how long the first sync would take at
  Gainsight's 100 calls/minute (the limiter runs on a simulated clock here, so
  the benchmark measures the client and server, not the wait).

Run: `.venv/bin/python -m benchmarks.bench_exports --scale demo`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCHMARK = "exports"
ROWS = {  # (salesforce accounts, gainsight mart rows)
    "demo": (300, 5_000),
    "small": (2_000, 30_000),
    "medium": (20_000, 200_000),
    "large": (100_000, 1_000_000),
}


def _row(measure: str, value, unit: str, **extra) -> dict:
    return {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra}


def run(scale: str) -> list[dict]:
    from customer_usage.exports.assets import GAINSIGHT, SALESFORCE
    from customer_usage.exports.gainsight import GainsightResource
    from customer_usage.exports.outbox import OutboxDestination
    from customer_usage.exports.mapping import default_mapping
    from customer_usage.exports.salesforce import SalesforceResource
    from customer_usage.exports.sync import run_export
    from customer_usage.warehouse import WarehouseResource
    from customer_usage_tests.exports.fake_api import (
        GS_ACCESS_KEY, SF_PASSWORD, SF_TOKEN, SF_USERNAME, FakeApiServer,
    )
    from customer_usage_tests.exports.sync_data import gainsight_frame, run_sql, sfdc_frame, write_sync_table
    from customer_usage_tests.helpers import environment

    n_sf, n_gs = ROWS[scale]
    rows: list[dict] = [_row("salesforce_rows", n_sf, "rows"), _row("gainsight_rows", n_gs, "rows")]
    with tempfile.TemporaryDirectory(prefix="bench_exports_") as tmp:
        tmp = Path(tmp)
        db = tmp / "warehouse.duckdb"
        write_sync_table(db, "sync_sfdc_account_usage", sfdc_frame(n_sf))
        write_sync_table(db, "sync_gainsight_subscription_usage", gainsight_frame(n_gs))
        warehouse = WarehouseResource(duckdb_path=str(db))
        clock = [0.0]

        def fake_sleep(seconds: float) -> None:
            clock[0] += seconds

        with FakeApiServer(tmp / "certs") as api, environment(REQUESTS_CA_BUNDLE=api.cert_path):
            sf_resource = SalesforceResource(username=SF_USERNAME, password=SF_PASSWORD, security_token=SF_TOKEN,
                                             instance_url=api.url, poll_seconds=0.05)
            gs_resource = GainsightResource(base_url=api.url, access_key=GS_ACCESS_KEY)

            def timed(spec, make_destination):
                with warehouse.connect() as wh:
                    destination = make_destination(wh)
                    started = time.perf_counter()
                    mapping = default_mapping(SALESFORCE.name if "outbox" in spec.name else spec.name)
                    result = run_export(wh, spec, destination, mapping=mapping)
                    return time.perf_counter() - started, result, destination

            def sf_dest(wh):
                return sf_resource.destination(sleep=fake_sleep)

            def gs_dest(wh):
                return gs_resource.destination(sleep=fake_sleep, clock=lambda: clock[0])

            for name, spec, make, key, n in (
                ("salesforce", SALESFORCE, sf_dest, "dim_crm_account_id", n_sf),
                ("gainsight", GAINSIGHT, gs_dest, "primary_key", n_gs),
            ):
                first_s, first, destination = timed(spec, make)
                assert first.sent == n, f"{name}: first sync sent {first.sent} of {n}"
                again_s, again, _ = timed(spec, make)
                assert again.sent == 0
                changed = max(1, n // 100)
                column = "licensed_seats" if name == "salesforce" else "billable_user_count"
                run_sql(db, f"update exports.{spec.source_table} set {column} = {column} + 1 where {key} in "
                            f"(select {key} from exports.{spec.source_table} order by {key} limit {changed})")
                pct_s, pct, _ = timed(spec, make)
                assert pct.sent == changed
                rows += [
                    _row(f"{name}_first_sync_s", round(first_s, 2), "s", note=f"{first.sent} rows sent"),
                    _row(f"{name}_first_sync_rows_per_s", round(first.sent / first_s), "rows/s"),
                    _row(f"{name}_no_change_s", round(again_s, 2), "s", note="0 rows sent"),
                    _row(f"{name}_one_pct_s", round(pct_s, 2), "s", note=f"{pct.sent} rows sent"),
                    _row(f"{name}_no_change_vs_first", round(again_s / first_s, 3), "x"),
                    _row(f"{name}_one_pct_vs_first", round(pct_s / first_s, 3), "x"),
                ]
                if name == "gainsight":
                    rows.append(_row("gainsight_api_calls", destination.calls, "calls", note="first sync, 50/call"))
                    rows.append(_row("gainsight_rate_limited_minutes", round(destination.calls / 100, 1), "min",
                                     note="first sync at 100 calls/minute"))

            outbox_s, outbox, _ = timed(
                SALESFORCE.__class__(name="bench_outbox", source_table=SALESFORCE.source_table,
                                     key_column=SALESFORCE.key_column),
                lambda wh: OutboxDestination(wh, "bench_outbox", tmp / "outbox"),
            )
            sf_first = next(r["value"] for r in rows if r["measure"] == "salesforce_first_sync_s")
            rows += [
                _row("outbox_first_sync_s", round(outbox_s, 2), "s", note=f"{outbox.sent} rows"),
                _row("outbox_vs_salesforce", round(outbox_s / sf_first, 3), "x"),
            ]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", choices=sorted(ROWS))
    args = parser.parse_args(argv)
    for row in run(args.scale):
        note = f"  ({row['note']})" if row.get("note") else ""
        print(f"{row['measure']:<36} {row['value']:>12} {row['unit']}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
