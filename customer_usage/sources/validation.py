"""Asset checks on each loaded source table: the pandera contract, and future timestamps.

`contract` runs the table's pandera schema in the warehouse through ibis and is
blocking: a raw table that breaks its contract (wrong type, duplicate key, value
outside the accepted set) stops the dbt models below it in the same run. The
loader already quarantines row-level violations, so locally this check guards
the load itself; in prod, where an EL tool loads the tables, it is the first
line of defence.

`no_future_timestamps` only warns: a timestamp after the check's run time is
suspicious (clock skew, a test row) but not wrong enough to drop a row, and
quarantining by wall-clock time would make re-runs disagree.
"""

import datetime as dt
from collections import Counter

import dagster as dg
import pandas as pd
import pandera.errors

from customer_usage.sources.contract import TableSpec
from customer_usage.sources.schemas import contract_schema
from customer_usage.warehouse import Warehouse, WarehouseResource, quote_ident

SAMPLE_FAILURES = 10
SAMPLE_VALUE_CHARS = 80


def _ibis_table(wh: Warehouse, spec: TableSpec):
    con = wh.ibis()
    if wh.dialect == "snowflake":
        table = con.table(spec.table.upper(), database=spec.raw_schema.upper())
        return table.rename({c.lower(): c for c in table.columns})
    return con.table(spec.table, database=spec.raw_schema)


def _duplicate_keys(wh: Warehouse, spec: TableSpec) -> tuple[int, list[str]]:
    key = ", ".join(quote_ident(c) for c in spec.primary_key)
    table = f"{quote_ident(spec.raw_schema)}.{quote_ident(spec.table)}"
    rows = wh.fetch_all(
        f"select {key}, count(*) from {table} group by {key} having count(*) > 1 order by 2 desc"
    )
    extra = sum(int(r[-1]) - 1 for r in rows)
    return extra, [", ".join(str(v) for v in r[:-1]) for r in rows[:SAMPLE_FAILURES]]


def _describe_error(error: pandera.errors.SchemaError) -> tuple[str | None, str, int, list]:
    """(column, rule, failing rows, sample values) of one pandera error.

    Read from the error objects rather than `SchemaErrors.failure_cases`, whose
    `column` field the ibis backend fills wrongly in pandera 0.35.
    """
    column = getattr(error.schema, "name", None) if type(error.schema).__name__ == "Column" else None
    check = error.check
    if check is None:
        rule = str(error.reason_code.name if error.reason_code else error).lower()
    elif hasattr(check, "name"):
        rule = check.error or check.name
    else:
        rule = str(check)
    cases = error.failure_cases
    if isinstance(cases, pd.DataFrame):
        raw = cases["failure_case"].tolist() if "failure_case" in cases.columns else cases.iloc[:, -1].tolist()
        values = [v.get(column, v) if isinstance(v, dict) else v for v in raw]
        return column, rule, len(cases), values
    if rule.startswith("dtype("):
        return column, f"{rule}, found {error.failure_cases}", 1, []
    return column, rule, 1, []


def validate_contract(wh: Warehouse, spec: TableSpec) -> dg.AssetCheckResult:
    """Run the pandera schema in the warehouse; failures counted per column and rule."""
    if not wh.table_exists(spec.raw_schema, spec.table):
        return dg.AssetCheckResult(
            passed=False,
            description=f"{spec.raw_schema}.{spec.table} does not exist: load or observe the source first",
        )
    schema = contract_schema(spec)
    if wh.row_count(spec.raw_schema, spec.table) == 0:
        # An empty extract (an optional table the user does not have) breaks no row
        # rule; pandera's ibis backend would report every not-nullable column as failed.
        return dg.AssetCheckResult(
            passed=True, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"schema": schema.name, "rows": 0}, description=f"{spec.raw_schema}.{spec.table} is empty",
        )
    failures: Counter = Counter()
    samples: list[dict] = []
    try:
        schema.validate(_ibis_table(wh, spec), lazy=True)
    except pandera.errors.SchemaErrors as exc:
        for error in exc.schema_errors:
            column, rule, count, values = _describe_error(error)
            failures[f"{column or 'table'}: {rule}"] += count
            if column in spec.pii:
                values = ["(PII withheld)"] if values else []
            for value in values[: max(0, SAMPLE_FAILURES - len(samples))]:
                samples.append({"column": column, "check": rule, "value": str(value)[:SAMPLE_VALUE_CHARS]})
    metadata: dict = {"schema": schema.name, "rules_checked": len(spec.columns) + len(schema.checks)}
    pk_rule = next((r for r in failures if r.startswith("table: primary key")), None)
    if pk_rule:
        extra, keys = _duplicate_keys(wh, spec)
        failures[pk_rule] = extra
        metadata["duplicate_key_sample"] = keys
    metadata["failures"] = dict(failures)
    metadata["failure_count"] = int(sum(failures.values()))
    metadata["sample_failures"] = samples
    passed = not failures
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
        description=None if passed else (
            f"{spec.raw_schema}.{spec.table} breaks its contract: "
            + "; ".join(f"{rule} ({n})" for rule, n in failures.items())
        ),
    )


def future_timestamps(wh: Warehouse, spec: TableSpec, now: dt.datetime | None = None) -> dg.AssetCheckResult:
    columns = [c.name for c in spec.columns if c.type == "timestamp"]
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if not wh.table_exists(spec.raw_schema, spec.table):
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                   description=f"{spec.raw_schema}.{spec.table} does not exist")
    stamp = f"cast('{now:%Y-%m-%d %H:%M:%S}' as timestamp)"
    table = f"{quote_ident(spec.raw_schema)}.{quote_ident(spec.table)}"
    counts = ", ".join(f"sum(case when {quote_ident(c)} > {stamp} then 1 else 0 end)" for c in columns)
    row = wh.fetch_one(f"select {counts} from {table}")
    per_column = {c: int(n or 0) for c, n in zip(columns, row or [])}
    offending = {c: n for c, n in per_column.items() if n}
    key = spec.primary_key[0] if spec.primary_key else None
    sample = []
    if offending and key:
        cond = " or ".join(f"{quote_ident(c)} > {stamp}" for c in offending)
        sample = [str(r[0]) for r in wh.fetch_all(
            f"select {quote_ident(key)} from {table} where {cond} order by 1 limit {SAMPLE_FAILURES}")]
    return dg.AssetCheckResult(
        passed=not offending,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"checked_at": now.isoformat(), "future_rows_by_column": per_column, "sample_keys": sample},
        description=None if not offending else (
            f"{spec.system}.{spec.table}: "
            + ", ".join(f"{n} row(s) with {c} after {now:%Y-%m-%d %H:%M} UTC" for c, n in offending.items())
            + " (loaded, not quarantined)"
        ),
    )


def build_contract_checks(specs) -> list[dg.AssetChecksDefinition]:
    checks = []
    for spec in specs:
        checks.append(_contract_check(spec))
        if any(c.type == "timestamp" for c in spec.columns):
            checks.append(_future_check(spec))
    return checks


def _contract_check(spec: TableSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(spec.asset_key),
        name="contract",
        blocking=True,
        description=f"pandera schema of {spec.system}.{spec.table} (contract.yml), run in the warehouse",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as wh:
            return validate_contract(wh, spec)

    return _check


def _future_check(spec: TableSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(spec.asset_key),
        name="no_future_timestamps",
        blocking=False,
        description="timestamps after the check's run time (warning only)",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as wh:
            return future_timestamps(wh, spec)

    return _check
