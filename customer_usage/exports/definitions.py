"""Exports to Salesforce and Gainsight, and the sensor that starts them."""

from __future__ import annotations

import dagster as dg

from customer_usage.settings import Settings


def build_export_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
