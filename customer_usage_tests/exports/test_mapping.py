"""Field mapping as data: validated when definitions load, and what it names is what the destination gets."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest

from customer_usage.catalog.catalog import load_catalog
from customer_usage.exports.assets import EXPORT_KEYS, SYNC_KEYS, build_export_assets
from customer_usage.exports.definitions import build_export_defs
from customer_usage.exports.mapping import MAPPINGS_DIR, MappingError, default_mapping, load_mapping
from customer_usage.settings import Settings
from customer_usage_tests.exports.sync_data import sfdc_frame, write_sync_table
from customer_usage_tests.exports.trust_helpers import run
from customer_usage_tests.helpers import environment

SF_FILE = "salesforce_account_usage.yml"


def edited(tmp_path, *replacements: str, name: str = SF_FILE):
    """A copy of the shipped mappings with (old, new, old, new, ...) replaced in one file."""
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS_DIR, folder, dirs_exist_ok=True)
    path = folder / name
    text = path.read_text()
    for old, new in zip(replacements[::2], replacements[1::2]):
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text)
    return path


def line_of(path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_an_unknown_column_fails_definitions_load_naming_file_line_and_column(tmp_path):
    path = edited(tmp_path, "  namespace_count:", "  namespace_cnt:")
    with environment(CUSTOMER_USAGE_EXPORT_MAPPINGS_DIR=str(path.parent),
                     CUSTOMER_USAGE_DUCKDB_PATH=str(tmp_path / "warehouse.duckdb")):
        with pytest.raises(MappingError) as error:
            build_export_defs(Settings.from_env())
    assert f"{path}:{line_of(path, 'namespace_cnt')}:" in str(error.value)
    assert "unknown column 'namespace_cnt'" in str(error.value)


@pytest.mark.parametrize("old, new, message, needle", [
    ("field: last_ping_date__c", "field: namespace_count__c", "destination field 'namespace_count__c' is mapped twice",
     "last_ping_date:"),
    ("  column: dim_crm_account_id\n", "", "`key` needs `column`", "key:"),
    ("on_removed: clear", "on_removed: delete", "not supported for Salesforce", "on_removed"),
    ("type: percent", "type: money", "type 'money' is not one of", "license_utilization:"),
])
def test_duplicate_field_missing_key_and_bad_values_name_file_and_line(tmp_path, old, new, message, needle):
    path = edited(tmp_path, old, new)
    with pytest.raises(MappingError, match=message) as error:
        load_mapping(path)
    assert str(error.value).startswith(f"{path}:{line_of(path, needle)}:")


def test_exported_metrics_come_from_the_catalog():
    mapping = default_mapping("salesforce_account_usage")
    exported = [m.column for m in load_catalog() if "salesforce_account_usage" in m.exports]
    assert len(exported) == 8 and [f.column for f in mapping.fields if f.is_metric] == exported
    assert mapping.fields[0].field == "Id" and mapping.on_removed == "clear"
    assert default_mapping("gainsight_subscription_usage").on_removed == "delete"


def test_a_renamed_destination_field_receives_the_data(api, tmp_path):
    path = edited(tmp_path, "field: licensed_seats__c", "field: Seats_Purchased__c",
                  '"{column}__c"', '"Usage_{column}__c"')
    mapping = load_mapping(path)
    db = tmp_path / "warehouse.duckdb"
    frame = sfdc_frame(4)
    write_sync_table(db, "sync_sfdc_account_usage", frame)
    assert run(db, "salesforce", api, mapping=mapping).sent == 4
    record = api.sf_records["Account"][frame.dim_crm_account_id[2]]
    assert record["Seats_Purchased__c"] == str(frame.licensed_seats[2]) and "licensed_seats__c" not in record
    assert record["Usage_umau_28_days_user__c"] == str(frame.umau_28_days_user[2])


def test_export_assets_carry_destination_schema_and_column_lineage(tmp_path):
    assets = build_export_assets(tmp_path / "outbox")
    spec = next(s for a in assets for s in a.specs if s.key == EXPORT_KEYS[0])
    schema = spec.metadata["dagster/column_schema"]
    types = {c.name: c.type for c in schema.columns}
    assert types["Id"] == "string" and types["licensed_seats__c"] == "number" and types["snapshot_month__c"] == "date"
    lineage = spec.metadata["dagster/column_lineage"].deps_by_column
    assert lineage["licensed_seats__c"] == [dg.TableColumnDep(asset_key=SYNC_KEYS[0], column_name="licensed_seats")]
    assert lineage["umau_28_days_user__c"][0].column_name == "umau_28_days_user"
    check_names = {c.name for a in assets for c in a.check_specs if c.asset_key == EXPORT_KEYS[0]}
    assert check_names == {"no_parked_rows", "failure_rate_below_threshold"}


def test_a_catalog_metric_naming_an_export_without_mapping_fails_the_load(tmp_path):
    from customer_usage.catalog.catalog import CATALOG_PATH
    from customer_usage.exports.mapping import load_mappings

    catalog = tmp_path / "metric_catalog.yml"
    catalog.write_text(CATALOG_PATH.read_text().replace(
        "exports: [gainsight_subscription_usage, salesforce_account_usage]",
        "exports: [gainsight_subscription_usage, salesforce_acount_usage]", 1))
    with pytest.raises(MappingError, match="metric 'umau_28_days_user' names export.s. salesforce_acount_usage"):
        load_mappings(MAPPINGS_DIR, catalog_path=catalog)
