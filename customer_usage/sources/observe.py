"""`prod` without loading: the raw Snowflake tables as observable external assets.

An EL tool writes `raw_<system>.<table>`; the platform only watches. Observing a
table records its row count and last-altered time; the pair is the data
version, so a changed table makes its dbt models stale (declarative
automation) and feeds the freshness policy, while an unchanged one does not.
`count(*)` is answered from Snowflake's metadata, so observing never scans.
"""

import datetime as dt

import dagster as dg

from customer_usage.sources.assets import column_schema, describe, freshness_policy
from customer_usage.sources.contract import TableSpec
from customer_usage.warehouse import Warehouse, WarehouseResource


def observe_table(wh: Warehouse, spec: TableSpec) -> dict:
    """Row count and last-altered time of one raw table (None when it does not exist)."""
    if not wh.table_exists(spec.raw_schema, spec.table):
        return {"exists": False, "row_count": None, "last_altered": None}
    row_count = wh.row_count(spec.raw_schema, spec.table)
    last_altered = None
    try:
        row = wh.fetch_one(
            "select last_altered from information_schema.tables "
            "where lower(table_schema) = lower(%s) and lower(table_name) = lower(%s)",
            [spec.raw_schema, spec.table],
        )
        last_altered = row[0] if row else None
    except Exception:  # noqa: BLE001 - not every engine (fakesnow) exposes last_altered
        last_altered = None
    return {"exists": True, "row_count": row_count, "last_altered": last_altered}


def observation_result(spec: TableSpec, observed: dict) -> dg.ObserveResult:
    key = dg.AssetKey(spec.asset_key)
    if not observed["exists"]:
        return dg.ObserveResult(
            asset_key=key,
            metadata={"exists": False, "table": f"{spec.raw_schema}.{spec.table}"},
        )
    altered = observed["last_altered"]
    metadata = {"exists": True, "dagster/row_count": observed["row_count"],
                "table": f"{spec.raw_schema}.{spec.table}"}
    if isinstance(altered, dt.datetime):
        stamp = altered if altered.tzinfo else altered.replace(tzinfo=dt.timezone.utc)
        metadata["last_altered"] = dg.MetadataValue.timestamp(stamp)
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(stamp)
    version = f"{observed['row_count']}@{altered.isoformat() if isinstance(altered, dt.datetime) else altered}"
    return dg.ObserveResult(asset_key=key, metadata=metadata, data_version=dg.DataVersion(version))


def _specs_for(specs: list[TableSpec]) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=spec.asset_key,
            group_name=spec.system,
            kinds={"snowflake"},
            description=describe(spec),
            metadata={
                "dagster/column_schema": column_schema(spec),
                "dagster/table_name": f"{spec.raw_schema}.{spec.table}",
            },
            freshness_policy=freshness_policy(),
        )
        for spec in specs
    ]


def build_system_observer(system: str, specs: list[TableSpec]) -> dg.AssetsDefinition:
    by_key = {dg.AssetKey(s.asset_key): s for s in specs}

    @dg.multi_observable_source_asset(
        specs=_specs_for(specs),
        name=f"observe_{system}",
        description=f"Observes the raw {system} tables that the EL tool loads into Snowflake.",
        can_subset=True,
    )
    def _observe(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as wh:
            for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
                yield observation_result(by_key[key], observe_table(wh, by_key[key]))

    return _observe


def build_observation_defs(specs) -> dg.Definitions:
    systems: dict[str, list[TableSpec]] = {}
    for spec in specs:
        systems.setdefault(spec.system, []).append(spec)
    return dg.Definitions(assets=[build_system_observer(s, t) for s, t in systems.items()])
