"""docs/integration-challenges.md: what goes wrong between each pair of systems, with numbers,
and the ranked list of fixes.

The prose per pair is a template below (per defect: docs_gen/fixes.py); the numbers come
from a finished warehouse (rpt_integration_roadmap, rpt_integration_coverage and its
monthly trend, plus a few breakdowns), so the document is regenerated, never edited by hand:

    python -m customer_usage.docs_gen.integration_challenges --demo          # generate demo data, build, write
    python -m customer_usage.docs_gen.integration_challenges --duckdb PATH   # from an existing warehouse
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from customer_usage.docs_gen import fixes
from customer_usage.dbt.coverage_chart import COVERAGE_SQL, coverage_markdown
from customer_usage.dbt.roadmap_chart import (
    monthly_rows,
    roadmap_markdown,
    roadmap_mermaid,
    roadmap_rows,
    trend_markdown,
    trend_mermaid,
)
from customer_usage.settings import PROJECT_ROOT

DOC_PATH = PROJECT_ROOT / "docs" / "integration-challenges.md"


@dataclass(frozen=True)
class Pair:
    integration: str
    title: str
    join_keys: str
    what_goes_wrong: str
    impact: str
    breakdown_title: str | None = None
    breakdown_sql: str | None = None


PAIRS = (
    Pair(
        "gitlab_customers",
        "GitLab.com ↔ Customers portal",
        "`orders.gl_namespace_id` = `namespaces.id`, rolled up through `parent_id` to the ultimate parent, "
        "whose current `gitlab_subscriptions` row (latest `updated_at`) gives the plan.",
        "Orders are overwritten in place and the namespace is typed in by the customer: it is missing, points "
        "to a subgroup instead of the top-level group, or names no namespace at all. Some paid namespaces "
        "have no order (provisioned by support), and `gitlab_subscriptions` has no unique index, so stale "
        "duplicate rows would double a namespace's plan if not deduplicated.",
        "A paid namespace that cannot be tied to its order has no customer, no subscription and no "
        "seats in the usage mart: its usage is invisible to Customer Success, and the renewal team cannot "
        "see adoption of what was sold.",
        "Bridge rows per match status (`bdg_namespace_order_subscription`)",
        "select coalesce(match_status, '(no rule applies: an order on a namespace that is neither paid with a paid order nor trial with a trial order, e.g. an expired trial)') as label, count(*) as n "
        "from marts.bdg_namespace_order_subscription group by 1 order by n desc, label",
    ),
    Pair(
        "customers_zuora",
        "Customers portal ↔ Zuora",
        "`orders.subscription_id` = `subscription.id` (any version); `customers.zuora_account_id` = `account.id`; "
        "`orders.product_rate_plan_id` = `product_rate_plan.id` for the deployment.",
        "The portal keeps the subscription id it saw at purchase: after an amendment it names an older "
        "version (still valid, kept as that version; the lineage is `original_id`), and some ids never reached "
        "Zuora. Expired orders lose their product rate plan, so their deployment falls back to whether a "
        "namespace is set.",
        "Orders without a Zuora subscription cannot be priced: seats and ARR of those customers are missing "
        "from the mart, and SaaS orders fall out of the namespace bridge.",
    ),
    Pair(
        "customers_license",
        "Customers portal ↔ License app",
        "`orders.subscription_name` = `licenses.zuora_subscription_name` (the only shared key; both apps "
        "store the Zuora subscription name).",
        "Licenses are issued per subscription name, but trials and re-issued licenses do not always carry it, "
        "and Self-Managed orders whose subscription never reached Zuora have a name no license uses.",
        "A Self-Managed order without a license cannot be linked to the instance that runs it, so seat "
        "reports and pings of that customer are not attributed to the order.",
    ),
    Pair(
        "license_zuora",
        "License app ↔ Zuora",
        "`licenses.zuora_subscription_id` = `subscription.id` (any version; data-contract §4: valid when it "
        "exists in Zuora).",
        "The id is missing on some licenses and unknown to Zuora on others (typed by hand, or a draft "
        "that was never activated). A license naming an older version stays valid.",
        "Every ping that reports such a license is unmapped: the installation's usage is not counted for the "
        "subscription that pays for it, so license utilisation and health scores are understated.",
        "Licenses by mapping state (`dim_license`)",
        "select case when not is_license_mapped_to_subscription then 'no zuora_subscription_id' "
        "when is_license_subscription_id_valid then 'valid' else 'id unknown to Zuora' end as label, "
        "count(*) as n from marts.dim_license where not is_trial group by 1 order by n desc, label",
    ),
    Pair(
        "license_version",
        "License app ↔ Service Ping (version_db)",
        "`usage_data.license_md5` = `licenses.license_md5` (lower-cased, trimmed); newer pings also carry "
        "`license_subscription_id`, which wins when it exists in Zuora.",
        "Older GitLab versions send no `license_subscription_id`; some pings lose their `license_md5` or report "
        "the md5 of a license file the license app does not know. Pings without any license are free "
        "installations (not a defect).",
        "An unmapped ping is usage without a customer: it cannot enter the paid-user metrics mart, so the "
        "customer's adoption looks lower than it is, and upsell signals are lost.",
        "Pings with a license md5 by how they map (`int_ping_subscription`)",
        "select coalesce(ping_subscription_source, 'unmapped') as label, count(*) as n "
        "from intermediate.int_ping_subscription where license_md5 is not null group by 1 order by n desc, label",
    ),
    Pair(
        "zuora_sfdc",
        "Zuora ↔ Salesforce",
        "`account.crm_id` → 18-character form (checksum suffix) = `account.id` in Salesforce, then "
        "`master_record_id` chains to the surviving account; the ultimate parent by `parent_id`.",
        "Zuora stores the id in 15- or 18-character form; accounts merged in Salesforce leave Zuora pointing to "
        "a deleted loser (sometimes through a chain of merges); some ids are missing or name no account.",
        "A billing account that does not resolve has no CRM account: its subscriptions' ARR and usage do not "
        "reach the account team in Salesforce or Gainsight, and account hierarchies roll up incomplete.",
        "Billing accounts by how their `crm_id` resolves (`dim_billing_account`)",
        "select crm_account_resolution as label, count(*) as n from marts.dim_billing_account "
        "group by 1 order by n desc, label",
    ),
)


def _fmt_table(rows: list[tuple]) -> list[str]:
    total = sum(n for _, n in rows) or 1
    out = ["| | rows | share |", "|---|---:|---:|"]
    out += [f"| {label} | {n:,} | {n / total:.1%} |" for label, n in rows]
    return out


class _Rows:
    """A read-only DuckDB connection that answers `fetch_df` like a `Warehouse`."""

    def __init__(self, con):
        self.con = con

    def fetch_df(self, sql: str):
        return self.con.execute(sql).fetchdf()


def _arr(value) -> str:
    return "–" if value is None or value != value else f"${float(value):,.0f}"


def _lost_note(row: dict) -> str:
    lost = float(row.get("arr_unlinked", row["arr_at_stake"]))
    return "" if lost == float(row["arr_at_stake"]) else f", of which {_arr(lost)} with usage lost"


def _roadmap_section(roadmap: list[dict]) -> list[str]:
    out = [
        "## The roadmap: what to fix first",
        "",
        "Every broken link is a row of `rpt_integration_defects`; `rpt_integration_roadmap` ranks the defects by",
        "the ARR at stake (each subscription lineage counted once per defect). A lineage can be at stake under",
        "several defects, so the column is not summed. *Of which usage lost* leaves out lineages that every",
        "broken row still reaches by another key (pings with an unknown license whose own",
        "`license_subscription_id` maps them). Fix in this order:",
        "",
        roadmap_markdown(roadmap),
        "",
        roadmap_mermaid(roadmap),
        "",
    ]
    for r in roadmap:
        out.append(f"{int(r['priority_rank'])}. **`{r['defect']}`** ({_arr(r['arr_at_stake'])}{_lost_note(r)}, "
                   f"{int(r['entity_count']):,} {'entity' if int(r['entity_count']) == 1 else 'entities'}): "
                   f"{fixes.fix(r['defect'])}.")
    return out + [""]


def _pair_section(pair: Pair, measures: list[dict], defects: list[dict], trend: list[dict], breakdown) -> list[str]:
    out = [f"## {pair.title} (`{pair.integration}`)", ""]
    out += [f"**Join keys.** {pair.join_keys}", ""]
    out += [f"**What goes wrong.** {pair.what_goes_wrong}", ""]
    out += [f"**Business impact.** {pair.impact}", ""]
    out += ["**How often, and what it costs.**", ""]
    for r in measures:
        missing = int(r["denominator"]) - int(r["numerator"])
        arr = "" if r["unmapped_arr"] is None or r["unmapped_arr"] != r["unmapped_arr"] else \
            f", ${r['unmapped_arr']:,.0f} ARR at stake ({int(r['unmapped_subscriptions'])} subscriptions)"
        cov = "n/a" if r["coverage"] is None or r["coverage"] != r["coverage"] else f"{r['coverage']:.1%}"
        out.append(f"- `{r['measure']}`: {int(r['numerator']):,} of {int(r['denominator']):,} join ({cov}); "
                   f"{missing:,} do not{arr}.")
    out.append("")
    if defects:
        out += ["**What it blocks downstream, and the fix** (rank in the roadmap):", ""]
        for r in defects:
            noun = "entity" if int(r["entity_count"]) == 1 else "entities"
            out.append(f"- #{int(r['priority_rank'])} `{r['defect']}`: {int(r['entity_count']):,} {noun}, "
                       f"{int(r['subscription_count']):,} subscriptions, {_arr(r['arr_at_stake'])} ARR"
                       f"{_lost_note(r)}. "
                       f"Blocks: {fixes.blocks(r['defect'])}. Fix: {fixes.fix(r['defect'])}.")
        out.append("")
    else:
        out += ["**What it blocks downstream.** Nothing on this data: no broken link found.", ""]
    if trend:
        out += ["**Trend** (coverage at each month's end):", "", trend_markdown(trend), "", trend_mermaid(trend), ""]
    if breakdown is not None:
        out += [f"{pair.breakdown_title}:", "", *_fmt_table(breakdown), ""]
    return out


def render(duckdb_path: Path, provenance: str) -> str:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(COVERAGE_SQL).fetchdf().to_dict("records")
        as_of = con.execute("select max(as_of_date) from marts.rpt_integration_coverage").fetchone()[0]
        breakdowns = {p.integration: con.execute(p.breakdown_sql).fetchall() for p in PAIRS if p.breakdown_sql}
        roadmap = roadmap_rows(_Rows(con))
        monthly = monthly_rows(_Rows(con))
    out = [
        "# Integration challenges",
        "",
        "<!-- Generated by `python -m customer_usage.docs_gen.integration_challenges`; do not edit by hand. -->",
        "",
        f"Numbers: {provenance}, reporting date {as_of}. Measures and rules: data-contract §4 and §7; the join",
        "keys are drawn in `docs/erd.md`. *ARR at stake* is 12 × MRR of the recurring charges in effect in the",
        "AS_OF month of the subscription lineages behind the rows that do not join (a lineage counts once per",
        "measure or defect). Every broken row is listed in `marts.rpt_integration_defects`.",
        "",
        *_roadmap_section(roadmap),
        "## Coverage per measure",
        "",
        coverage_markdown(rows),
        "",
        "## Coverage over time",
        "",
        "Each measure recomputed at every month's end over the rows that existed then",
        "(`rpt_integration_coverage_monthly`). The sources keep no history: a row counts from its creation and",
        "joins from the month its current link became visible (the target's creation; for licenses, the",
        "license's last edit). A row that does not join today is taken as never having joined.",
        "",
        trend_markdown(monthly),
        "",
        "Each pair's section below charts its measures month by month.",
        "",
    ]
    for pair in PAIRS:
        out += _pair_section(
            pair,
            [r for r in rows if r["integration"] == pair.integration],
            [r for r in roadmap if r["integration"] == pair.integration],
            [r for r in monthly if r["integration"] == pair.integration],
            breakdowns.get(pair.integration),
        )
    return "\n".join(out)


def demo_provenance(truth_dir: Path, scale: str = "demo") -> str:
    """How the demo numbers were made, from the ground truth's rates.json."""
    rates = json.loads((truth_dir / "rates.json").read_text())
    return f"a `{rates.get('scale', scale)}` run of the generator (seed {rates.get('seed')})"


def build_demo(work_dir: Path, scale: str = "demo", seed: int | None = None) -> tuple[Path, str]:
    """Generate a landing folder with the project's generator and build a warehouse from it."""
    from customer_usage.docs_gen.build import build_warehouse

    landing = work_dir / "landing"
    cmd = [sys.executable, "-m", "customer_usage.cli", "generate", "--scale", scale, "--out", str(landing),
           "--truth-dir", str(work_dir / "ground_truth"), "--json"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"customer-usage generate failed:\n{proc.stderr[-3000:]}")
    path = build_warehouse(landing, work_dir / "build")
    return path, demo_provenance(work_dir / "ground_truth", scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="generate demo data into a temp folder and build it")
    source.add_argument("--duckdb", type=Path, help="a finished local warehouse")
    parser.add_argument("--scale", default="demo", help="generator scale with --demo (default demo)")
    parser.add_argument("--out", type=Path, default=DOC_PATH)
    args = parser.parse_args(argv)
    if args.demo:
        with tempfile.TemporaryDirectory() as tmp:
            path, provenance = build_demo(Path(tmp), args.scale)
            text = render(path, provenance)
    else:
        text = render(args.duckdb, f"the warehouse `{args.duckdb.name}`")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
