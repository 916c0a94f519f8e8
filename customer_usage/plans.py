"""GitLab.com plan ids (`gitlab_dotcom.plans`), the one Python copy.

The coverage checks count paid namespaces with them and the simulator draws
plans from them; the dbt models classify plans from the plans table's names.
"""

from __future__ import annotations

PLANS = (
    (34, "free", "Free"),
    (2, "bronze", "Bronze"),
    (3, "silver", "Silver"),
    (4, "gold", "Gold"),
    (100, "premium", "Premium"),
    (101, "ultimate", "Ultimate"),
    (102, "ultimate_trial", "Ultimate Trial"),
    (103, "premium_trial", "Premium Trial"),
)
PAID_PLAN_IDS = (2, 3, 4, 100, 101)
TRIAL_PLAN_IDS = (102, 103)
