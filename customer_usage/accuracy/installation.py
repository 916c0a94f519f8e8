"""Primary-installation and installation-type accuracy against the generator's
ground truth (data-contract §6; ground_truth/installations.parquet).

The generator knows which installation of a Self-Managed subscription is its
production server (`is_true_primary`: the paid instance, not its DR copy, staging
server or clone) and which are Non-Production (`true_installation_type`).
Primary choice is scored over lineage-months of the monthly mart:

- precision: of the lineage-months whose primary row is an installation, the share
  where it is the true primary installation;
- recall: of the lineage-months where the true primary installation has a row
  (it pinged), the share where that row is primary.

A lineage whose production server does not ping (pings off, or only its staging
server reports) lowers precision, never recall: the rule can only choose among the
installations that report. Installation type is scored per installation of
dim_installation (share whose type equals the truth).

Kept apart from the mapping registry (`mappings.py`): the §6 rule is meant to
disagree with the truth where a DR copy outnumbers the production server, so its
precision is a finding, not a bug. `customer-usage accuracy` prints it after the
mappings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

MART = "marts.mart_product_usage_paid_user_metrics_monthly"


@dataclass(frozen=True)
class InstallationAccuracy:
    primary_lineage_months: int  # lineage-months whose primary row is an installation
    true_primary_lineage_months: int  # lineage-months where the true primary installation has a row
    primary_correct: int
    primary_precision: float | None
    primary_recall: float | None
    installations: int
    installation_type_correct: int
    installation_type_accuracy: float | None
    non_production_found: int
    non_production_true: int

    def as_dict(self) -> dict:
        return asdict(self)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def format_installation_accuracy(result: InstallationAccuracy) -> str:
    def pct(value):
        return "n/a" if value is None else f"{value:.2%}"

    return "\n".join([
        "Installations (data-contract §6):",
        f"  primary installation   precision {pct(result.primary_precision)} "
        f"({result.primary_correct:,}/{result.primary_lineage_months:,} lineage-months), "
        f"recall {pct(result.primary_recall)} ({result.primary_correct:,}/{result.true_primary_lineage_months:,})",
        f"  installation type      accuracy {pct(result.installation_type_accuracy)} "
        f"({result.installation_type_correct:,}/{result.installations:,}; Non-Production found "
        f"{result.non_production_found:,}/{result.non_production_true:,})",
    ])


def installation_accuracy(connection, truth_dir: str | Path) -> InstallationAccuracy:
    """Score an existing build (a DuckDB connection to the warehouse) against the truth folder."""
    truth_file = Path(truth_dir) / "installations.parquet"
    if not truth_file.exists():
        raise FileNotFoundError(f"ground truth {truth_file} does not exist (generate demo data first)")
    truth = f"read_parquet('{truth_file.as_posix()}')"
    has_mart = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name = 'mart_product_usage_paid_user_metrics_monthly'").fetchone()[0]
    primary = (None, None, None) if not has_mart else connection.execute(f"""
        with rows as (
            select
                mart.dim_subscription_id_original,
                mart.snapshot_month,
                mart.is_primary_installation,
                coalesce(truth.is_true_primary, false) as is_true_primary
            from {MART} as mart
            inner join marts.dim_installation as installation
                on installation.dim_installation_id = mart.dim_installation_id
            left join {truth} as truth
                on truth.uuid = installation.uuid
                and truth.host_id = installation.host_id
            where mart.deployment_type = 'Self-Managed'
        )
        select
            count(distinct case when is_primary_installation
                then dim_subscription_id_original || '|' || cast(snapshot_month as varchar) end),
            count(distinct case when is_true_primary
                then dim_subscription_id_original || '|' || cast(snapshot_month as varchar) end),
            count(distinct case when is_primary_installation and is_true_primary
                then dim_subscription_id_original || '|' || cast(snapshot_month as varchar) end)
        from rows
    """).fetchone()
    types = connection.execute(f"""
        select
            count(*),
            sum(case when installation.installation_type = truth.true_installation_type then 1 else 0 end),
            sum(case when installation.installation_type = 'Non-Production'
                and truth.true_installation_type = 'Non-Production' then 1 else 0 end),
            sum(case when truth.true_installation_type = 'Non-Production' then 1 else 0 end)
        from marts.dim_installation as installation
        inner join {truth} as truth
            on truth.uuid = installation.uuid
            and truth.host_id = installation.host_id
    """).fetchone()
    chosen, true_rows, correct = (int(v or 0) for v in primary)
    installations, type_correct, np_found, np_true = (int(v or 0) for v in types)
    return InstallationAccuracy(
        primary_lineage_months=chosen,
        true_primary_lineage_months=true_rows,
        primary_correct=correct,
        primary_precision=_ratio(correct, chosen),
        primary_recall=_ratio(correct, true_rows),
        installations=installations,
        installation_type_correct=type_correct,
        installation_type_accuracy=_ratio(type_correct, installations),
        non_production_found=np_found,
        non_production_true=np_true,
    )
