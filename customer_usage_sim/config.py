"""Knobs of the simulated business: scale presets, defect rates, the metrics a ping carries.

Kept apart from the simulation so tests and benchmarks can read the same
numbers the generator used (they are also written to the ground truth's
`rates.json`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields

from customer_usage.plans import PAID_PLAN_IDS, PLANS, TRIAL_PLAN_IDS  # noqa: F401 (the simulator's plans)

DEFAULT_AS_OF = dt.date(2026, 10, 31)
HISTORY_MONTHS = 24


@dataclass(frozen=True)
class Scale:
    """Sizes of one preset. `free_installations` tops pings up to the target count."""

    name: str
    customers: int  # paying customers (one surviving SFDC account each)
    free_installations: int  # unlicensed self-managed instances
    free_groups: int  # free GitLab.com top-level groups
    saas_share: float = 0.5  # share of subscription lineages on GitLab.com (the rest Self-Managed)
    trial_share: float = 0.2  # current SaaS trials per paying customer
    expired_trial_share: float = 0.3  # expired, unconverted trials per paying customer
    chunk_installations: int = 800  # installations per usage_data chunk (memory bound)


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", customers=300, free_installations=260, free_groups=300, chunk_installations=1000),
    "small": Scale("small", customers=2000, free_installations=800, free_groups=2000),
    "medium": Scale("medium", customers=20000, free_installations=300, free_groups=10000, saas_share=0.6),
    "large": Scale("large", customers=100000, free_installations=2000, free_groups=40000, saas_share=0.55),
}


@dataclass(frozen=True)
class DefectRates:
    """Probability of each injected defect in its population (see GROUND_TRUTH.md)."""

    order_missing_namespace: float = 0.05
    order_on_subgroup: float = 0.05
    order_unknown_namespace: float = 0.03
    paid_namespace_without_order: float = 0.05
    order_subscription_not_in_zuora: float = 0.04
    expired_order_missing_product_rate_plan: float = 0.5
    license_missing_subscription_id: float = 0.05
    license_unknown_subscription_id: float = 0.05
    ping_unknown_license_md5: float = 0.03
    ping_missing_license_md5: float = 0.02
    metric_minus_one: float = 0.02
    metric_absent_old_ping: float = 0.15
    several_pings_per_month: float = 0.03
    duplicate_gitlab_subscriptions: float = 0.05
    seats_overage: float = 0.05
    sfdc_merged_account: float = 0.08
    crm_id_15_char: float = 0.2
    crm_id_unknown: float = 0.03
    crm_id_missing: float = 0.03

    @classmethod
    def with_overrides(cls, overrides: dict[str, float] | None) -> "DefectRates":
        overrides = overrides or {}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown defect rate(s) {unknown}; known: {sorted(known)}")
        for name, value in overrides.items():
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"defect rate {name}={value} is not between 0 and 1")
        return cls(**{**asdict(cls()), **{k: float(v) for k, v in overrides.items()}})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# Wave-2 Service Ping key paths of data-contract §5 and how their values behave:
#   user28  distinct users in 28 days (<= active users)
#   event28 events/objects in 28 days
#   users_all all-time distinct users (monotonic)
#   all     all-time counter (monotonic)
#   bool    instance setting
WAVE2_METRICS: tuple[tuple[str, str], ...] = (
    ("usage_activity_by_stage_monthly.manage.events", "user28"),
    ("usage_activity_by_stage_monthly.create.action_monthly_active_users_project_repo", "user28"),
    ("usage_activity_by_stage_monthly.create.merge_requests", "user28"),
    ("usage_activity_by_stage_monthly.create.projects_with_repositories_enabled", "user28"),
    ("counts.commit_comment", "all"),
    ("counts.source_code_pushes", "all"),
    ("usage_activity_by_stage_monthly.verify.ci_pipelines", "user28"),
    ("usage_activity_by_stage_monthly.verify.ci_internal_pipelines", "user28"),
    ("usage_activity_by_stage_monthly.verify.ci_builds", "user28"),
    ("usage_activity_by_stage.verify.ci_builds", "users_all"),
    ("counts.ci_builds", "all"),
    ("counts.ci_runners", "all"),
    ("counts.auto_devops_enabled", "all"),
    ("gitlab_shared_runners_enabled", "bool"),
    ("container_registry_enabled", "bool"),
    ("counts.template_repositories", "all"),
    ("usage_activity_by_stage_monthly.verify.ci_pipeline_config_repository", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_unique_users_all_secure_scanners", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_sast_jobs", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_dast_jobs", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_dependency_scanning_jobs", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_license_management_jobs", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_secret_detection_jobs", "user28"),
    ("usage_activity_by_stage_monthly.secure.user_container_scanning_jobs", "user28"),
    ("object_store.packages.enabled", "bool"),
    ("counts.projects_with_packages", "all"),
    ("usage_activity_by_stage_monthly.package.projects_with_packages", "event28"),
    ("usage_activity_by_stage_monthly.release.deployments", "user28"),
    ("usage_activity_by_stage_monthly.release.releases", "user28"),
    ("usage_activity_by_stage_monthly.plan.epics", "user28"),
    ("usage_activity_by_stage_monthly.plan.issues", "user28"),
)
WAVE2_KEY_PATHS: tuple[str, ...] = tuple(p for p, _ in WAVE2_METRICS)

# Metrics that newer GitLab versions introduced: absent from pings before the cutoff.
LATE_METRICS: tuple[str, ...] = (
    "usage_activity_by_stage_monthly.verify.ci_pipeline_config_repository",
    "usage_activity_by_stage_monthly.secure.user_unique_users_all_secure_scanners",
    "usage_activity_by_stage_monthly.secure.user_sast_jobs",
    "usage_activity_by_stage_monthly.secure.user_dast_jobs",
    "usage_activity_by_stage_monthly.secure.user_dependency_scanning_jobs",
    "usage_activity_by_stage_monthly.secure.user_license_management_jobs",
    "usage_activity_by_stage_monthly.secure.user_secret_detection_jobs",
    "usage_activity_by_stage_monthly.secure.user_container_scanning_jobs",
)

# Namespace-level SaaS metrics: the counters (instance settings make no sense per namespace).
NAMESPACE_METRICS: tuple[tuple[str, str], ...] = tuple((p, k) for p, k in WAVE2_METRICS if k != "bool")
