"""Source assets of the six systems and their contract checks.

`local`: each table is loaded from the landing folder into DuckDB.
`prod`: the raw tables arrive in Snowflake through an EL tool, so they are
observable external assets (row count and last-altered time as observations),
unless `CUSTOMER_USAGE_PROD_LOAD_FILES=true` asks to load the landing files into
Snowflake with the same loader.
"""

from __future__ import annotations


import dagster as dg

from customer_usage.settings import Settings
from customer_usage.sources.assets import build_load_asset
from customer_usage.sources.contract import load_contract
from customer_usage.sources.validation import build_contract_checks

def build_source_defs(settings: Settings) -> dg.Definitions:
    specs = load_contract()
    checks = build_contract_checks(specs)
    if settings.loads_landing_files:
        kind = "duckdb" if settings.is_local else "snowflake"
        assets = [build_load_asset(spec, settings.landing_dir, kind) for spec in specs]
        return dg.Definitions(assets=assets, asset_checks=checks)

    from customer_usage.sources.observe import build_observation_defs

    return dg.Definitions.merge(build_observation_defs(specs), dg.Definitions(asset_checks=checks))
