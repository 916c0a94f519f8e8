"""The catalog cross-check as a Dagster asset check on `marts/dim_metric`.

Defined only when `CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR` names a folder of
GitLab metric definition files; findings warn (they ask for a look at the
catalog, they do not make the data wrong).
"""

from __future__ import annotations

import dagster as dg

from customer_usage.catalog.crosscheck import DEFINITIONS_DIR_VARIABLE, cross_check, definitions_dir_from_env
from customer_usage.settings import Settings

DIM_METRIC = dg.AssetKey(["marts", "dim_metric"])


def build_catalog_defs(settings: Settings, environ=None) -> dg.Definitions:
    folder = definitions_dir_from_env(environ) if environ is not None or settings is None else (
        settings.metric_definitions_dir
    )
    if folder is None:
        return dg.Definitions()

    @dg.asset_check(
        asset=DIM_METRIC,
        name="metric_catalog_matches_gitlab_definitions",
        description=f"The catalog's key paths and time frames against GitLab's definition files in "
        f"{DEFINITIONS_DIR_VARIABLE} ({folder}).",
    )
    def metric_catalog_matches_gitlab_definitions() -> dg.AssetCheckResult:
        report = cross_check(folder)
        return dg.AssetCheckResult(
            passed=report.ok,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "definitions_found": len(report.found),
                "unknown_upstream": [m.column for m in report.unknown],
                "removed_upstream": [m.column for m, _ in report.removed],
                "time_frame_mismatches": [m.column for m, _ in report.time_frame_mismatches],
                "report": dg.MetadataValue.md("\n".join(f"- {line}" for line in report.lines())),
            },
        )

    return dg.Definitions(asset_checks=[metric_catalog_matches_gitlab_definitions])
