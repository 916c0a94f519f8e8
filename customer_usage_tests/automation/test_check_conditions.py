"""Checks inside automation: dbt-like tests join their model's run; coverage-like checks follow their tables."""


import dagster as dg

from customer_usage.automation.conditions import (
    check_condition,
    check_runs_with_its_asset,
    downstream_condition,
)

SRC_A = dg.AssetKey(["zuora", "account"])
SRC_B = dg.AssetKey(["zuora", "subscription"])
STG_A = dg.AssetKey(["staging", "stg_a"])
STG_B = dg.AssetKey(["staging", "stg_b"])
INT = dg.AssetKey(["intermediate", "int_ab"])
DIM = dg.AssetKey(["marts", "dim_ab"])


@dg.asset(key=SRC_A)
def src_a() -> None: ...


@dg.asset(key=SRC_B)
def src_b() -> None: ...


@dg.asset_check(asset=SRC_A, additional_deps=[SRC_B], blocking=True, automation_condition=check_condition())
def coverage_a_in_b() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _models(with_check_conditions: bool) -> dg.AssetsDefinition:
    """A subsettable multi-asset with blocking tests, shaped like `@dbt_assets`."""
    condition = check_runs_with_its_asset() if with_check_conditions else None
    specs = [
        dg.AssetSpec(STG_A, deps=[SRC_A], automation_condition=downstream_condition(), skippable=True),
        dg.AssetSpec(STG_B, deps=[SRC_B], automation_condition=downstream_condition(), skippable=True),
        dg.AssetSpec(INT, deps=[STG_A], automation_condition=downstream_condition(), skippable=True),
        dg.AssetSpec(DIM, deps=[INT], automation_condition=downstream_condition(), skippable=True),
    ]
    checks = [
        dg.AssetCheckSpec("not_null", asset=STG_A, blocking=True, automation_condition=condition),
        # a relationships test on stg_a that also reads stg_b, which sorts after int_ab
        dg.AssetCheckSpec("relationships", asset=STG_A, additional_deps=[STG_B], blocking=True,
                          automation_condition=condition),
        dg.AssetCheckSpec("unique", asset=INT, blocking=True, automation_condition=condition),
    ]

    @dg.multi_asset(specs=specs, check_specs=checks, can_subset=True, name="models")
    def _run(context: dg.AssetExecutionContext):
        for key in (STG_A, STG_B, INT, DIM):  # topological order
            if key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=key)
        for check_key in context.selected_asset_check_keys:
            yield dg.AssetCheckResult(asset_key=check_key.asset_key, check_name=check_key.name, passed=True)

    return _run


def check_requested(result, key: dg.AssetCheckKey) -> int:
    """How often a check is requested on this tick (`get_num_requested` counts assets only)."""
    return sum(r.true_subset.size for r in result.results if r.key == key)


def _first_tick_after_loading(models: dg.AssetsDefinition):
    defs = dg.Definitions(assets=[src_a, src_b, models], asset_checks=[coverage_a_in_b])
    instance = dg.DagsterInstance.ephemeral()
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance).cursor
    assert dg.materialize([src_a, src_b, coverage_a_in_b], instance=instance).success
    return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)


def test_model_tests_join_the_run_so_every_layer_goes_in_one_run():
    result = _first_tick_after_loading(_models(with_check_conditions=True))
    assert {k for k in (STG_A, STG_B, INT, DIM) if result.get_num_requested(k)} == {STG_A, STG_B, INT, DIM}
    for name in ("not_null", "relationships"):
        assert check_requested(result, dg.AssetCheckKey(STG_A, name)) == 1


def test_a_model_test_does_not_run_without_its_model():
    """A relationships test on stg_a reads stg_b; rebuilding stg_b alone must not run it."""
    models = _models(with_check_conditions=True)
    defs = dg.Definitions(assets=[src_a, src_b, models], asset_checks=[coverage_a_in_b])
    instance = dg.DagsterInstance.ephemeral()
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance).cursor
    assert dg.materialize([src_a, src_b, coverage_a_in_b], instance=instance).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert dg.materialize([models], instance=instance, selection=[STG_A, STG_B, INT, DIM]).success
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor).cursor
    assert dg.materialize([src_b], instance=instance).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert result.get_num_requested(STG_B) == 1 and result.get_num_requested(STG_A) == 0
    assert check_requested(result, dg.AssetCheckKey(STG_A, "relationships")) == 0


def test_without_check_conditions_tests_would_not_run_with_their_model():
    """Why the translator gives dbt tests `check_runs_with_its_asset()`: automation requests
    assets, and a subsettable check is left out of the run unless it has a condition."""
    result = _first_tick_after_loading(_models(with_check_conditions=False))
    assert result.get_num_requested(STG_A) == 1
    assert check_requested(result, dg.AssetCheckKey(STG_A, "not_null")) == 0


def test_a_coverage_check_reruns_when_the_other_table_it_reads_changes():
    defs = dg.Definitions(assets=[src_a, src_b, _models(True)], asset_checks=[coverage_a_in_b])
    instance = dg.DagsterInstance.ephemeral()
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance).cursor
    assert dg.materialize([src_a, src_b, coverage_a_in_b], instance=instance).success
    cursor = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor).cursor
    coverage = dg.AssetCheckKey(SRC_A, "coverage_a_in_b")
    assert dg.materialize([src_b], instance=instance).success  # only the other table is reloaded
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert check_requested(result, coverage) == 1
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert check_requested(result, coverage) == 0  # once per change
