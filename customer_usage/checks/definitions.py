"""Key-coverage and other cross-system checks."""

from __future__ import annotations

import dagster as dg

from customer_usage.settings import Settings


def build_check_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
