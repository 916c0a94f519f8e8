"""Source assets of the six systems (issue: sources)."""

from __future__ import annotations

import dagster as dg

from customer_usage.settings import Settings


def build_source_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
