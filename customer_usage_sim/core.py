"""Generate a whole landing folder and its ground truth from (scale, seed, as-of).

Order matters only for the random streams: each component draws from its own
seeded stream, so adding a column to one system does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from customer_usage_sim import billing, crm, dotcom, licensing, pings, portal, saas_usage, truth
from customer_usage_sim.config import DEFAULT_AS_OF, HISTORY_MONTHS, SCALES, DefectRates
from customer_usage_sim.rejectable_rows import with_rejectable_row
from customer_usage_sim.timeutil import history_start
from customer_usage_sim.writer import TableWriter, contract_schema, write_contract_table, write_frame
from customer_usage.sources.contract import load_contract, table_spec

STREAMING_TABLES = ("version_db/usage_data", "customers_db/license_seat_links", "gitlab_dotcom/namespace_ping_metrics",
                    "reference/installation_types")


@dataclass
class GenerationResult:
    landing_dir: Path
    truth_dir: Path
    row_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


TRUTH_FOLDER = ".ground_truth"


def default_truth_dir(landing_dir: Path) -> Path:
    """`<landing>/.ground_truth`: inside the folder the user named, and hidden, so the
    pipeline never loads it (the landing layout skips hidden files and folders)."""
    return Path(landing_dir).resolve() / TRUTH_FOLDER


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


def build_world(scale_name: str, seed: int, as_of: dt.date, rates: DefectRates) -> dict[str, pd.DataFrame]:
    """Everything except the streamed tables, as frames (small enough for memory at every scale)."""
    scale = SCALES[scale_name]
    window = history_start(as_of, HISTORY_MONTHS)
    world: dict[str, pd.DataFrame] = {}
    world.update(crm.build_customers(_rng(seed, 1), scale.customers, window, as_of, rates))
    world.update(billing.build_catalog(_rng(seed, 2)))
    world.update(billing.build_subscriptions(_rng(seed, 3), world["_customers"], world, as_of, scale.saas_share))
    world.update(dotcom.build_dotcom(_rng(seed, 4), scale, world["_lineages"], as_of, window, rates))
    # Zuora knows the namespace of most SaaS subscriptions (all versions of the lineage).
    tops = world["_tops"]
    ns_of = tops[tops["lineage"] >= 0].set_index("lineage")["namespace_id"]
    lin = world["_lineages"]
    knows = (lin["deployment"] == "SaaS") & (_rng(seed, 5).random(len(lin)) < 0.6)
    ns_by_orig = pd.Series(lin.loc[knows, "lineage"].map(ns_of).to_numpy(), index=lin.loc[knows, "original_id"].to_numpy())
    sub = world["zuora/subscription"]
    sub["namespace_id"] = pd.array(sub["original_id"].map(ns_by_orig).astype("Float64").to_numpy(), dtype="Float64").astype("Int64")
    n_sm_trials = max(1, scale.free_installations // 10)
    world.update(portal.build_portal(_rng(seed, 6), world, as_of, rates, n_sm_trials))
    world.update(licensing.build_licenses(_rng(seed, 7), world, as_of, rates))
    return world


def _truth_folder(landing: Path, truth_dir: str | Path | None) -> Path:
    """Where the ground truth goes: never a visible folder inside the landing folder."""
    tdir = Path(truth_dir).resolve() if truth_dir else default_truth_dir(landing)
    if tdir == landing or (landing in tdir.parents and not tdir.relative_to(landing).parts[0].startswith(".")):
        raise ValueError(f"ground truth folder {tdir} must not be a visible folder inside the landing folder "
                         f"{landing} (the pipeline would report its files); use a hidden one, e.g. "
                         f"{landing / TRUTH_FOLDER}, or one outside")
    return tdir


def _write_batch_tables(landing: Path, world: dict, rejectable_rows: bool, counts: dict[str, int]) -> list[dict]:
    """Every contract table the world holds whole (all but the streamed ones); the rejectable rows added."""
    rejected: list[dict] = []
    for spec in load_contract():
        key = f"{spec.system}/{spec.table}"
        if key in STREAMING_TABLES:
            continue
        if key not in world:
            raise RuntimeError(f"generator has no data for contract table {key}")
        frame = world[key]
        if rejectable_rows:
            frame, record = with_rejectable_row(key, frame)
            if record:
                rejected.append(record)
        counts[key] = write_contract_table(landing, spec, frame)
    return rejected


def _write_pings(landing: Path, tdir: Path, seed: int, inst, lk, rates: DefectRates, scale: str,
                 counts: dict[str, int]) -> list[pd.DataFrame]:
    """version_db.usage_data, customers_db.license_seat_links and the ping truth, chunk by chunk."""
    ud_spec = table_spec("version_db", "usage_data")
    sl_spec = table_spec("customers_db", "license_seat_links")
    ud = TableWriter(landing / "version_db" / "usage_data.parquet", contract_schema(ud_spec), "version_db.usage_data")
    sl = TableWriter(landing / "customers_db" / "license_seat_links.parquet", contract_schema(sl_spec), "customers_db.license_seat_links")
    pt = None
    ping_defects = []
    for chunk in pings.chunks(seed, inst, lk, rates, SCALES[scale].chunk_installations):
        ud.write(chunk.usage_data)
        sl.write(chunk.seat_links)
        if pt is None:
            from customer_usage_sim.writer import infer_schema
            import pyarrow as pa
            schema = infer_schema(chunk.truth)
            schema = schema.set(schema.get_field_index("ping_month"), pa.field("ping_month", pa.date32()))
            pt = TableWriter(tdir / "pings.parquet", schema, "ground_truth.pings")
        pt.write(chunk.truth)
        ping_defects.append(chunk.defects)
    counts["version_db/usage_data"] = ud.close()
    counts["customers_db/license_seat_links"] = sl.close()
    if pt is not None:
        pt.close()
    return ping_defects


def _write_namespace_metrics(landing: Path, seed: int, world: dict, as_of: dt.date, counts: dict[str, int]) -> None:
    """gitlab_dotcom.namespace_ping_metrics, streamed."""
    nm_spec = table_spec("gitlab_dotcom", "namespace_ping_metrics")
    nm = TableWriter(landing / "gitlab_dotcom" / "namespace_ping_metrics.parquet", contract_schema(nm_spec), "gitlab_dotcom.namespace_ping_metrics")
    for part in saas_usage.metric_chunks(seed, world["_tops"], as_of):
        nm.write(part)
    counts["gitlab_dotcom/namespace_ping_metrics"] = nm.close()


def _write_truth(tdir: Path, world: dict, ns_truth: pd.DataFrame, inst, as_of: dt.date,
                 ping_defects: list[pd.DataFrame]) -> None:
    """Ground truth of everything but namespaces and pings (written earlier)."""
    write_frame(tdir / "orders.parquet", truth.orders(world, ns_truth))
    subs, seats = truth.subscriptions(world, as_of)
    write_frame(tdir / "subscriptions.parquet", subs, date_columns=("subscription_start_date", "subscription_end_date"))
    write_frame(tdir / "subscription_seats.parquet", seats, date_columns=("month",))
    write_frame(tdir / "licenses.parquet", truth.licenses(world))
    write_frame(tdir / "billing_accounts.parquet", world["_billing_truth"])
    write_frame(tdir / "crm_accounts.parquet", world["_crm_truth"])
    fl = pd.DataFrame({"inst": inst.ping_inst, "t": inst.ping_t}).groupby("inst")["t"].agg(["min", "max"]).reindex(inst.frame["inst"])
    first_last = pd.DataFrame({
        "first": pd.to_datetime(fl["min"].to_numpy(), unit="s"), "last": pd.to_datetime(fl["max"].to_numpy(), unit="s")})
    write_frame(tdir / "installations.parquet", truth.installations(inst.frame, first_last, world))
    all_defects = pd.concat([truth.defects(world, ns_truth), *ping_defects], ignore_index=True)
    write_frame(tdir / "defects.parquet", all_defects)


def generate(out: str | Path, scale: str = "demo", seed: int = 1, as_of: dt.date | None = None,
             truth_dir: str | Path | None = None, rates: DefectRates | dict | None = None,
             log=None, rejectable_rows: bool = False) -> GenerationResult:
    """Write every contract table to `out/<system>/<table>.parquet` and the truth to `truth_dir`.

    `rejectable_rows` adds a few rows the loader must quarantine (`rejectable_rows.py`).
    """
    t0 = time.perf_counter()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    as_of = as_of or DEFAULT_AS_OF
    rates = rates if isinstance(rates, DefectRates) else DefectRates.with_overrides(rates)
    landing = Path(out).resolve()
    tdir = _truth_folder(landing, truth_dir)
    window = history_start(as_of, HISTORY_MONTHS)
    say = log or (lambda msg: None)
    world = build_world(scale, seed, as_of, rates)
    say("simulated customers, subscriptions, namespaces, orders and licenses")
    counts: dict[str, int] = {}
    rejected = _write_batch_tables(landing, world, rejectable_rows, counts)

    say("wrote the non-streamed landing tables")
    # Truth that needs the big GitLab.com frames, then let those go before the ping pass.
    tdir.mkdir(parents=True, exist_ok=True)
    if rejected:
        write_frame(tdir / "rejectable_rows.parquet", pd.DataFrame(rejected))
    ns_truth = truth.namespaces(world)
    write_frame(tdir / "namespaces.parquet", ns_truth)
    for key in ("gitlab_dotcom/members", "gitlab_dotcom/users", "gitlab_dotcom/namespaces", "_personal",
                "sfdc/account", "customers_db/customers"):
        world.pop(key, None)

    inst = pings.layout(_rng(seed, 8), SCALES[scale], world, as_of, window, rates)
    lk = pings.lookups(world, window)
    counts["reference/installation_types"] = write_contract_table(
        landing, table_spec("reference", "installation_types"), pings.installation_type_overrides(inst))
    ping_defects = _write_pings(landing, tdir, seed, inst, lk, rates, scale, counts)
    say(f"wrote {counts['version_db/usage_data']:,} pings and {counts['customers_db/license_seat_links']:,} seat links")
    _write_namespace_metrics(landing, seed, world, as_of, counts)
    say(f"wrote {counts['gitlab_dotcom/namespace_ping_metrics']:,} namespace metric values")
    _write_truth(tdir, world, ns_truth, inst, as_of, ping_defects)

    say("wrote the ground truth")
    ordered = {f"{s.system}/{s.table}": counts[f"{s.system}/{s.table}"] for s in load_contract()}
    (tdir / "rates.json").write_text(json.dumps({
        "seed": seed, "scale": scale, "as_of": as_of.isoformat(), "history_start": window.isoformat(),
        "rates": rates.as_dict(), "row_counts": ordered,
        "metric_absent_cutoff": pd.Timestamp(inst.absent_cutoff, unit="s").isoformat() if inst.absent_cutoff >= 0 else None,
    }, indent=2, sort_keys=False) + "\n")
    return GenerationResult(landing, tdir, ordered, time.perf_counter() - t0)
