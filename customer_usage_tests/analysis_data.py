"""Hand-made warehouse for the analyst-facing parts (dashboard, docs queries).

The mart's landing folder (mart/landing_data.py, AS_OF 2026-10-15, account
"Acme") plus rows added for the analysts' questions, each with a known answer:

Acme (ZA1) also has O_SM3 (Self-Managed Premium, 20 seats, ARR 600, license
  md5c) whose only installation h5 reported in August 2026 and then stopped.
Globex (ZA2, a second account):
  O_SM4 (Self-Managed Ultimate from 2026-09, 20 seats, ARR 2,400, license md5d):
    in October two installations report, prod.globex.test (18 billable, 16 umau,
    9 CI pipeline users) and staging.globex.test (2 billable);
  O_SM5 (Self-Managed Premium from 2026-10, 10 seats, ARR 1,200): no license
    names it, so nothing can ever report for it.
Acme's paid lineages: O_SM1, O_SM2, O_SAAS1, O_SAAS2, O_SM3 (five; the trial
and the Draft-only lineages are not paid). O_SM1 in July 2026: umau 12.

`build(folder)` loads the raw tables and runs dbt (every model but the exports)
in a subprocess, so no connection stays open in the test process and other
processes (the dashboard server) can open the file read-only.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from customer_usage.dbt.project import dbt_env, dbt_executable
from customer_usage.settings import DBT_PROJECT_DIR, Settings
from customer_usage.sfdc_ids import to_18
from customer_usage_tests.helpers import local_settings
from customer_usage_tests.dbt.marts import landing_data as mart
from customer_usage_tests.dbt.rawload import load_raw

AS_OF = mart.AS_OF
ACME = mart.CRM
GLOBEX = to_18("001Ab00000GlObX")
EVENTS, PIPELINES = mart.EVENTS, mart.PIPELINES


def _add(frames: dict[str, pd.DataFrame], name: str, rows: list[dict]) -> None:
    system, table = name.split("/")
    frames[name] = mart._frame(system, table, frames[name].astype(object).where(frames[name].notna(), None)
                                .to_dict("records") + rows)


def _subscription(id_, original, account, start, rate_plan, charge_id, seats, mrr):
    d = pd.Timestamp(start).date()
    subscription = {**mart._subscription(id_, original, 1, "Active", d), "account_id": account,
                    "invoice_owner_id": account}
    rate = {"id": f"RP_{id_}", "subscription_id": id_, "product_rate_plan_id": rate_plan, "name": "plan",
            "amendment_type": "NewProduct", "created_date": mart.TS, "updated_date": mart.TS, "deleted": False}
    charge = {**mart._charge(charge_id, f"RP_{id_}", seats, d), "mrr": mrr}
    return subscription, rate, charge


def _license(id_, md5, subscription, seats):
    return {"id": id_, "company": "Org", "email": "admin@example.test", "users_count": seats,
            "plan_code": "premium", "starts_at": pd.Timestamp("2026-06-01").date(),
            "expires_at": pd.Timestamp("2027-06-01").date(), "trial": False, "zuora_subscription_id": subscription,
            "zuora_subscription_name": subscription.lower(), "license_md5": md5, "created_at": mart.TS,
            "updated_at": mart.TS}


def tables() -> dict[str, pd.DataFrame]:
    frames = mart.tables()
    _add(frames, "sfdc/account", [{"id": GLOBEX, "name": "Globex", "type": "Customer", "is_deleted": False,
                                   "billing_country": "US", "created_date": mart.TS}])
    _add(frames, "zuora/account", [{"id": "ZA2", "account_number": "A-2", "name": "Globex billing",
                                    "crm_id": GLOBEX, "status": "Active", "currency": "USD",
                                    "created_date": mart.TS, "updated_date": mart.TS, "deleted": False}])
    _add(frames, "zuora/product_rate_plan", [{"id": "PRP_SM_ULT", "product_id": "P1",
                                              "name": "Self-Managed - Ultimate"}])
    new = [
        _subscription("S_SM3", "O_SM3", "ZA1", "2026-06-01", "PRP_SM_PREM", "C_SM3", 20, 50.0),
        _subscription("S_SM4", "O_SM4", "ZA2", "2026-09-01", "PRP_SM_ULT", "C_SM4", 20, 200.0),
        _subscription("S_SM5", "O_SM5", "ZA2", "2026-10-01", "PRP_SM_PREM", "C_SM5", 10, 100.0),
    ]
    _add(frames, "zuora/subscription", [s for s, _, _ in new])
    _add(frames, "zuora/rate_plan", [r for _, r, _ in new])
    _add(frames, "zuora/rate_plan_charge", [c for _, _, c in new])
    _add(frames, "license_db/licenses", [_license(3, "md5c", "S_SM3", 20), _license(4, "md5d", "S_SM4", 20)])
    _add(frames, "version_db/usage_data", [
        mart._ping(11, "u5", 5, "h5", "2026-08-14", md5="md5c", seats=20, billable=15, metrics={EVENTS: 6}),
        mart._ping(12, "u6", 6, "prod.globex.test", "2026-10-09", md5="md5d", seats=20, billable=18,
                   metrics={EVENTS: 16, PIPELINES: 9}),
        mart._ping(13, "u7", 7, "staging.globex.test", "2026-10-10", md5="md5d", seats=20, billable=2,
                   metrics={EVENTS: 2, PIPELINES: 1}),
    ])
    return frames


def build(folder: Path) -> dict[str, str]:
    """Build the warehouse in `folder`; returns the environment (settings) that points at it."""
    folder.mkdir(parents=True, exist_ok=True)
    env = local_settings(folder, as_of=AS_OF)
    load_raw(Path(env["CUSTOMER_USAGE_DUCKDB_PATH"]), tables())
    settings = Settings.from_env(env)
    result = subprocess.run(
        [dbt_executable(), "run", "--exclude", "tag:export", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target", settings.dbt_target,
         "--target-path", str(folder / "dbt_target"), "--log-path", str(folder / "dbt_logs")],
        cwd=DBT_PROJECT_DIR,
        env={**dbt_env(settings), "CUSTOMER_USAGE_AS_OF": AS_OF},
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise AssertionError(f"dbt run failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    return env
