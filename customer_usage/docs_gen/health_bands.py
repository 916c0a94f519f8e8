"""The customer-health score bands (dbt_project/models/health_score_bands.yml) for
Python: the same file dbt reads through its graph to score
rpt_product_usage_health_score, so docs/metrics.md explains exactly the bands the
SQL applies. Also the "percent reporting" reading of the estimated-usage report.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from customer_usage.settings import DBT_PROJECT_DIR

BANDS_PATH = DBT_PROJECT_DIR / "models" / "health_score_bands.yml"
COLORS = ("Red", "Yellow", "Green")


def load_bands(path: Path | str = BANDS_PATH) -> dict:
    """The `health_score_bands` meta of model dim_health_score_band, checked."""
    path = Path(path)
    document = yaml.safe_load(path.read_text()) or {}
    models = [m for m in document.get("models") or [] if m.get("name") == "dim_health_score_band"]
    if not models:
        raise ValueError(f"{path}: no model dim_health_score_band")
    bands = ((models[0].get("config") or {}).get("meta") or {}).get("health_score_bands")
    if not bands or not bands.get("measures") or not bands.get("overall"):
        raise ValueError(f"{path}: dim_health_score_band has no config.meta.health_score_bands with measures and overall")
    for color in bands.get("scores", {}):
        if color not in COLORS:
            raise ValueError(f"{path}: unknown colour {color!r} in scores (Red, Yellow, Green)")
    for measure in bands["measures"]:
        for band_list in _band_lists(measure):
            for band in band_list:
                if band.get("color") not in bands["scores"]:
                    raise ValueError(f"{path}: measure {measure.get('name')!r} has a band without a scored colour: {band}")
            if "below" in band_list[-1] or "at_most" in band_list[-1]:
                raise ValueError(f"{path}: measure {measure.get('name')!r}: the last band must have no bound")
    return bands


def _band_lists(measure: dict) -> list[list[dict]]:
    if measure.get("by_account_age"):
        return [r["bands"] for r in measure["by_account_age"]]
    return [measure["bands"]]


def _fmt(x: float) -> str:
    return f"{x:g}"


def describe_bands(bands: list[dict]) -> str:
    """`Red < .5 · Yellow < .8 · Green otherwise` in words an analyst reads."""
    parts, lower = [], None
    for band in bands:
        if "below" in band:
            bound = f"< {_fmt(band['below'])}"
            parts.append(f"{band['color']} {bound if lower is None else lower + ' and ' + bound}")
            lower = f">= {_fmt(band['below'])}"
        elif "at_most" in band:
            bound = f"<= {_fmt(band['at_most'])}"
            parts.append(f"{band['color']} {bound if lower is None else lower + ' and ' + bound}")
            lower = f"> {_fmt(band['at_most'])}"
        else:
            parts.append(f"{band['color']} {lower or 'always'}")
    return " · ".join(parts)


def render_section(path: Path | str = BANDS_PATH) -> list[str]:
    """The health and estimated-usage sections of docs/metrics.md."""
    config = load_bands(path)
    scores = ", ".join(f"{c} = {s}" for c, s in config["scores"].items())
    relative = Path(path).relative_to(DBT_PROJECT_DIR.parent) if Path(path).is_relative_to(DBT_PROJECT_DIR.parent) else path
    out = [
        "",
        "## Customer health scores",
        "",
        f"<!-- Bands generated from {relative}, the one file dbt also scores with. -->",
        "",
        "`marts.rpt_product_usage_health_score` has one row per subscription lineage and month: the lineage's "
        "*primary* mart row (`is_primary_installation`, below), so a staging server never scores a customer. "
        "Each measure is a ratio to `billable_user_count` and gets a colour and a score "
        f"({scores}); it is NULL when its inputs are NULL or `billable_user_count` is 0 or NULL (a month "
        "without a ping has no score, not a red one). `overall_score` is the mean of the non-NULL scores; "
        f"`overall_color`: {describe_bands(config['overall']['bands'])}.",
        "",
        "| measure | ratio (÷ billable users) | applies to | bands |",
        "|---|---|---|---|",
    ]
    for measure in config["measures"]:
        deployments = ", ".join(measure.get("deployments") or ["all"])
        ratio = "billable ÷ licensed seats" if measure["ratio"] == "license_utilization" else f"`{measure['ratio']}`"
        if measure.get("by_account_age"):
            ranges = []
            for r in measure["by_account_age"]:
                span = f"{r['min_age']}-{r['max_age']}" if r.get("max_age") is not None else f">= {r['min_age']}"
                ranges.append(f"account age {span} months: {describe_bands(r['bands'])}")
            first = min(r["min_age"] for r in measure["by_account_age"])
            text = "; ".join(ranges) + f"; younger than {first} months: NULL"
        else:
            text = describe_bands(measure["bands"])
        out.append(f"| `{measure['name']}` | {ratio} | {deployments} | {text} |")
    out += [
        "",
        "- **Account age** = calendar months from the month of the account's earliest paid subscription start to "
        "the row's month (2023-09 -> 2024-06 is 9). A new account is not expected to use all its seats yet, "
        "so the utilisation bands tighten with age. A lineage without a resolved Salesforce account is its "
        "own account.",
        "- **Accounts.** `marts.rpt_product_usage_health_score_account` rolls the AS_OF month up per surviving "
        "Salesforce account: every score is the ARR-weighted mean of its lineages' non-NULL scores (a "
        "$100k subscription counts 10x a $10k one; the plain mean when all their ARR is 0), coloured by the "
        "overall bands. `<measure>_score_lineages` says how many lineages a score rests on.",
        "- **Primary installation.** Of a Self-Managed lineage's rows in a month exactly one is primary: "
        "`Production` installations first, then the row without an installation, then `Non-Production`; "
        "within each the most billable users, then the latest ping, then the lowest `dim_installation_id`. "
        "`installation_type` is `Non-Production` when a label of the hostname (split on `.` and `-`) is "
        "staging, stage, stg, test, testing, qa, dev, development, sandbox, demo, preprod or uat; "
        "`<landing>/reference/installation_types.csv` (`uuid`, `hostname`, `installation_type`) overrides it.",
        "- **Seat Link.** Self-Managed rows carry the lineage-month's latest seat link (`seat_link_*`, "
        "`has_seat_link_in_month`). Seat Link is not Service Ping: `is_data_in_subscription_month` stays "
        "false for a lineage that only sends seat links, and it has no health score beyond what seats say.",
        "",
        "## Estimated usage: reading percent reporting",
        "",
        "`marts.rpt_ping_metric_totals_w_estimates_monthly` has one row per month x deployment x metric. Only "
        "part of the paid base sends usage, so the recorded total understates real usage:",
        "",
        "- `recorded_usage` sums the metric over the primary rows that reported that month;",
        "- `reporting_seats` / `total_seats` = `percent_reporting`: the share of licensed seats (of lineages in "
        "effect) whose subscription reported. 0.5 means half the seats are behind the recorded number;",
        "- `estimated_usage` = recorded ÷ percent reporting, i.e. it assumes the silent seats use the product "
        "like the reporting ones. Read it as an order of magnitude: the lower `percent_reporting`, the more "
        "the estimate rests on that assumption (customers who switch pings off are often the large, "
        "security-minded ones). NULL when nothing reported.",
        "- All-time counters are summed as reported; compare months of the same metric, not metrics with each "
        "other. Settings (on/off) are not usage totals and are left out.",
        "",
        "Free and trial usage (`marts.mart_product_usage_free_user_metrics_monthly`) has the same metric "
        "columns per month for free/trial customers of `dim_customer` that sent usage: unlicensed installations "
        "(latest ping of the month) and free/trial GitLab.com namespaces.",
    ]
    return out
