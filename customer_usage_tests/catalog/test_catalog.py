"""The metric catalog: its content, its validation, and the cross-check against
metric definition files in GitLab's format.

The cross-check runs on the project's own small fixture folder
(`metric_definitions/`, written for these tests) everywhere. Against a real
checkout of GitLab's definitions it runs only when the setting
CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR names one (CI sets it when ../shared/data
exists); a clone with nothing beside it skips that one test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from customer_usage.catalog.catalog import CATALOG_PATH, CatalogError, load_catalog
from customer_usage.catalog.crosscheck import cross_check, definitions_dir_from_env, main
from customer_usage.settings import Settings

FIXTURES = Path(__file__).with_name("metric_definitions")
EE_ONLY = {  # GitLab keeps these three definitions in its proprietary ee/ tree only
    "usage_activity_by_stage_monthly.secure.user_dependency_scanning_jobs",
    "usage_activity_by_stage_monthly.secure.user_license_management_jobs",
    "usage_activity_by_stage_monthly.secure.user_container_scanning_jobs",
}


def test_catalog_holds_wave_1_and_the_31_wave_2_metrics():
    catalog = load_catalog()
    wave2 = [m for m in catalog if m.wave == 2]
    assert len(wave2) == 31 and all(m.is_extracted for m in wave2)
    assert {m.column for m in catalog if m.wave == 1} == {
        "license_user_count", "license_user_count_source", "billable_user_count", "active_user_count",
        "max_historical_user_count", "license_utilization"}
    by_column = {m.column: m for m in catalog}
    assert by_column["umau_28_days_user"].key_path == "usage_activity_by_stage_monthly.manage.events"
    assert by_column["ci_builds_all_time_user"].key_path == "usage_activity_by_stage.verify.ci_builds"
    assert by_column["object_store_packages_enabled"].counts == "setting"


def test_cross_check_against_the_fixture_definitions():
    report = cross_check(FIXTURES)
    assert set(report.found) == {"umau_28_days_user", "merge_requests_28_days_user", "commit_comment_all_time_event",
                                 "ci_runners_all_time_event", "container_registry_enabled", "license_user_count"}
    # the active definition wins over a removed copy of the same key path
    assert report.found["umau_28_days_user"].status == "active"
    assert [m.column for m, _ in report.removed] == ["merge_requests_28_days_user"]
    assert [(m.column, d.time_frame) for m, d in report.time_frame_mismatches] == [
        ("commit_comment_all_time_event", "7d")]
    unknown = {m.column for m in report.unknown}
    assert "issues_28_days_user" in unknown and "license_utilization" not in unknown  # no key path: not checked
    assert not report.ok
    assert "removed upstream: merge_requests_28_days_user" in "\n".join(report.lines())


def test_a_missing_definitions_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does_not_exist"):
        cross_check(tmp_path / "does_not_exist")


@pytest.fixture
def gitlab_definitions() -> Path:
    folder = Settings.from_env().metric_definitions_dir
    if folder is None or not folder.is_dir():
        pytest.skip("CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR does not name a folder of GitLab metric definitions")
    return folder


def test_cross_check_against_gitlab_definitions(gitlab_definitions):
    DEFINITIONS = gitlab_definitions
    report = cross_check(DEFINITIONS)
    wave2 = [m for m in load_catalog() if m.wave == 2]
    files = {p.name for p in DEFINITIONS.glob("*.yml")}
    assert len(files) >= 28
    found_wave2 = {m.key_path for m in wave2 if m.column in report.found}
    assert found_wave2 == {m.key_path for m in wave2} - EE_ONLY  # every key path with a file is found
    assert {m.key_path for m in report.unknown if m.wave == 2} == EE_ONLY  # and the rest reported
    assert report.time_frame_mismatches == []  # time frames agree
    assert {m.column for m, _ in report.removed} == {"merge_requests_28_days_user", "ci_builds_all_time_event"}
    assert not report.ok
    assert any("unknown upstream: user_container_scanning_jobs_28_days_user" in line for line in report.lines())


def write_catalog(tmp_path, edit) -> str:
    document = yaml.safe_load(CATALOG_PATH.read_text())
    edit(document["models"][0]["config"]["meta"]["metric_catalog"])
    path = tmp_path / "metric_catalog.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_cross_check_reports_a_time_frame_that_disagrees(tmp_path):
    def edit(metrics):
        metrics.append({"column": "ci_runners_28_days_event", "key_path": "counts.ci_runners_x", "wave": 3,
                        "time_frame": "28d", "counts": "events", "stage": "verify", "source": "service_ping",
                        "description": "made up"})
        next(m for m in metrics if m["column"] == "ci_runners_all_time_event")["time_frame"] = "28d"
        next(m for m in metrics if m["column"] == "ci_runners_all_time_event")["column"] = "ci_runners_event"

    report = cross_check(FIXTURES, load_catalog(write_catalog(tmp_path, edit)))
    # (commit_comment disagrees in the fixtures themselves)
    assert [m.column for m, d in report.time_frame_mismatches] == ["commit_comment_all_time_event",
                                                                   "ci_runners_event"]
    assert "ci_runners_28_days_event" in {m.column for m in report.unknown}


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda ms: ms.append(dict(ms[-1])), "duplicate metric column 'issues_28_days_user'"),
        (lambda ms: ms[-1].update(time_frame="7d"), "unknown time_frame '7d'"),
        (lambda ms: ms[-1].update(counts="people"), "unknown counts 'people'"),
        (lambda ms: ms[-1].pop("key_path"), "needs a key_path"),
        (lambda ms: ms[-1].update(time_frame="all"), "the name says _28_days but time_frame is 'all'"),
        (lambda ms: ms[-1].update(column="Issues"), "lower_snake_case"),
        (lambda ms: ms[-1].update(colour="red"), "unknown fields colour"),
        (lambda ms: ms.append({**ms[-1], "column": "issues_again_28_days_user"}), "read the same key_path"),
    ],
)
def test_bad_catalog_is_rejected_with_a_clear_message(tmp_path, edit, message):
    path = write_catalog(tmp_path, edit)
    with pytest.raises(CatalogError, match=re.escape(message)) as error:
        load_catalog(path)
    assert str(path) in str(error.value)


def test_cross_check_command_uses_the_setting(capsys):
    assert definitions_dir_from_env({}) is None
    assert definitions_dir_from_env({"CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR": str(FIXTURES)}) == FIXTURES
    assert main([str(FIXTURES)]) == 1  # findings to look at
    assert "removed upstream: merge_requests_28_days_user" in capsys.readouterr().out


def test_cross_check_asset_check_exists_only_with_the_setting():
    from customer_usage.catalog.definitions import build_catalog_defs

    assert not list(build_catalog_defs(None, environ={}).asset_checks or [])
    defs = build_catalog_defs(None, environ={"CUSTOMER_USAGE_METRIC_DEFINITIONS_DIR": str(FIXTURES)})
    (check,) = list(defs.asset_checks)
    result = check.node_def.compute_fn.decorated_fn()
    assert not result.passed
    assert result.metadata["definitions_found"].value == 6
    assert "merge_requests_28_days_user" in result.metadata["removed_upstream"].value
