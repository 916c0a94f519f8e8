"""Jobs, sensors and schedules that keep the platform fresh."""

from __future__ import annotations

import dagster as dg

from customer_usage.settings import Settings


def build_automation_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
