"""The bad-input corpus: each kind of broken landing file gives a specific, readable
message (file-level problems) or quarantine reason (row-level ones), and no row
is lost: rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from customer_usage.sfdc_ids import to_18
from customer_usage.sources.contract import table_spec
from customer_usage.sources.landing import SourceFileError, unknown_files
from customer_usage.sources.loader import load_into_duckdb
from customer_usage.sources.validation import future_timestamps
from customer_usage.warehouse import DuckDBWarehouse

NS_HEADER = "id,name,path,type,parent_id,owner_id,created_at,updated_at"
NS_ROW = "{id},acme{id},acme{id},Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z"
SUB_HEADER = ("id,namespace_id,hosted_plan_id,seats,seats_in_use,max_seats_used,start_date,end_date,trial,"
              "trial_starts_on,trial_ends_on,created_at,updated_at")
PING_HEADER = ("id,uuid,hostname,host_id,version,edition,license_md5,license_subscription_id,license_user_count,"
               "license_billable_users,historical_max_users,active_user_count,recorded_at,created_at,payload")


def ping_row(id_: int, payload: str) -> str:
    return f"{id_},u{id_},h,1,16.0,EE,md5,,10,5,5,5,2024-01-01,2024-01-01,{payload}"


def namespaces(*rows: str, header: str = NS_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


class Loaded:
    """One load's outcome: the result, the loaded frame and the quarantine reasons."""

    def __init__(self, result, raw: pd.DataFrame, quarantine: pd.DataFrame):
        self.result, self.raw, self.quarantine = result, raw, quarantine

    @property
    def reasons(self) -> list[str]:
        return self.quarantine["_rejection_reason"].tolist()


def write(tmp_path: Path, system: str, table: str, content, fmt: str = "csv") -> Path:
    folder = tmp_path / "landing" / system
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.{fmt}"
    if isinstance(content, pd.DataFrame):
        content.to_parquet(path, index=False)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load(tmp_path: Path, system: str, table: str) -> Loaded:
    spec = table_spec(system, table)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        result = load_into_duckdb(DuckDBWarehouse(con), spec, tmp_path / "landing")
        raw = con.execute(f"select * from {spec.raw_schema}.{spec.table}").fetchdf()
        quarantine = con.execute(f"select * from quarantine.{spec.quarantine_table} order by _row_number").fetchdf()
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert (len(raw), len(quarantine)) == (result.rows_loaded, result.rows_quarantined)
    return Loaded(result, raw, quarantine)


def load_fails(tmp_path: Path, system: str, table: str) -> str:
    with pytest.raises(SourceFileError) as info:
        load(tmp_path, system, table)
    return str(info.value)


# --- file-level problems: the asset fails with a message naming file and column ------------

def test_missing_required_column_names_file_table_and_column(tmp_path):
    path = write(tmp_path, "gitlab_dotcom", "namespaces",
                 "id,name,path,parent_id,owner_id,created_at,updated_at\n1,a,a,,,2024-01-01,2024-01-01\n")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "'type'" in message and "gitlab_dotcom.namespaces" in message


def test_wrong_type_in_parquet_is_a_file_error_naming_the_column(tmp_path):
    frame = pd.DataFrame({"id": [1], "name": ["a"], "path": ["a"], "type": ["Group"], "parent_id": [None],
                          "owner_id": [1], "created_at": [True], "updated_at": [pd.Timestamp("2024-01-01")]})
    path = write(tmp_path, "gitlab_dotcom", "namespaces", frame, fmt="parquet")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "'created_at'" in message and "BOOLEAN" in message


def test_empty_file_is_reported(tmp_path):
    path = write(tmp_path, "gitlab_dotcom", "namespaces", "")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "empty" in message


def test_header_only_file_fails_where_rows_are_required(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces())
    assert "requires at least 1 row" in load_fails(tmp_path, "gitlab_dotcom", "namespaces")


def test_header_only_file_loads_empty_where_the_table_may_be_empty(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n")
    loaded = load(tmp_path, "gitlab_dotcom", "users")
    assert loaded.result.rows_read == 0 and list(loaded.raw.columns)[:4] == ["id", "state", "user_type", "created_at"]


def test_csv_with_a_bad_quote_names_the_file(tmp_path):
    path = write(tmp_path, "gitlab_dotcom", "namespaces",
                 namespaces(NS_ROW.format(id=1), '2,"unterminated,b,Group,,10,2024-01-01,2024-01-01'))
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "cannot be read as CSV" in message
    assert "line 3, column 'name'" in message and "unbalanced quote" in message


def test_non_utf8_bytes_name_the_file(tmp_path):
    body = (namespaces(NS_ROW.format(id=1)) + "2,caf\xe9,b,Group,,10,2024-01-01,2024-01-01\n").encode("latin-1")
    path = write(tmp_path, "gitlab_dotcom", "namespaces", body)
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "utf-8" in message.lower()


def test_non_utf8_header_names_the_byte(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,st\xe4te,user_type,created_at\n".encode("latin-1"))
    assert "header row is not UTF-8" in load_fails(tmp_path, "gitlab_dotcom", "users")


def test_duplicated_header_is_reported(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(header=NS_HEADER + ",id"))
    assert "duplicated header column 'id'" in load_fails(tmp_path, "gitlab_dotcom", "namespaces")


def test_csv_and_parquet_for_one_table_is_ambiguous(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n")
    write(tmp_path, "gitlab_dotcom", "users", pd.DataFrame({"id": [1]}), fmt="parquet")
    assert "keep exactly one file" in load_fails(tmp_path, "gitlab_dotcom", "users")


def test_missing_file_of_a_required_table_names_the_expected_path(tmp_path):
    (tmp_path / "landing").mkdir()
    message = load_fails(tmp_path, "zuora", "subscription")
    assert str(tmp_path / "landing" / "zuora" / "subscription.csv") in message


def test_missing_file_of_an_optional_table_loads_empty_with_a_warning(tmp_path):
    (tmp_path / "landing").mkdir()
    loaded = load(tmp_path, "customers_db", "trial_histories")
    assert loaded.result.rows_read == 0
    assert "no landing file for customers_db.trial_histories" in loaded.result.warnings[0]


def test_absent_reference_installation_types_loads_an_empty_table(tmp_path):
    """data-contract §6: the override file is optional; without it the hostname rule alone applies."""
    (tmp_path / "landing").mkdir()
    loaded = load(tmp_path, "reference", "installation_types")
    assert loaded.result.rows_read == 0 and len(loaded.raw) == 0
    assert list(loaded.raw.columns[:3]) == ["uuid", "hostname", "installation_type"]
    assert "no landing file for reference.installation_types" in loaded.result.warnings[0]


def test_unknown_installation_type_in_the_reference_file_is_quarantined(tmp_path):
    write(tmp_path, "reference", "installation_types",
          "uuid,hostname,installation_type\nu1,gitlab.example.com,Non-Production\nu2,,staging\n")
    loaded = load(tmp_path, "reference", "installation_types")
    assert list(loaded.raw["uuid"]) == ["u1"]
    assert "installation_type" in loaded.quarantine["_rejection_reason"].iloc[0]


# --- row-level problems: quarantined with a reason, the rest loads -----------------------------

def test_extra_column_is_kept(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1) + ",blue", header=NS_HEADER + ",colour"))
    loaded = load(tmp_path, "gitlab_dotcom", "namespaces")
    assert loaded.result.extra_columns == ["colour"] and loaded.raw["colour"].tolist() == ["blue"]


def test_uncastable_value_is_quarantined_with_column_and_value(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces",
          namespaces(NS_ROW.format(id=1), "2,b,b,Group,,abc,2024-01-01,2024-01-01", "3,c,c,User,,,2024-02-30,2024-01-01"))
    loaded = load(tmp_path, "gitlab_dotcom", "namespaces")
    assert loaded.raw["id"].tolist() == [1]
    assert loaded.reasons == ["owner_id: 'abc' is not a valid integer", "created_at: '2024-02-30' is not a valid timestamp"]
    assert loaded.quarantine["owner_id"].tolist()[0] == "abc"  # raw text kept as read


def test_null_primary_key_is_quarantined(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1), NS_ROW.format(id="")))
    assert load(tmp_path, "gitlab_dotcom", "namespaces").reasons == ["null primary key id"]


def test_missing_required_value_is_quarantined(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1), "2,,b,Group,,,2024-01-01,2024-01-01"))
    assert load(tmp_path, "gitlab_dotcom", "namespaces").reasons == ["missing required value in name"]


def test_duplicate_primary_key_keeps_the_latest_updated_row(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(
        "1,new,a,Group,,,2024-01-01,2024-03-01", "1,old,a,Group,,,2024-01-01,2024-01-01", NS_ROW.format(id=2)))
    loaded = load(tmp_path, "gitlab_dotcom", "namespaces")
    assert sorted(loaded.raw["id"]) == [1, 2] and loaded.raw.set_index("id").loc[1, "name"] == "new"
    assert loaded.reasons == ["duplicate primary key id=1 (kept the row with the latest updated_at)"]
    assert loaded.result.rejections_by_rule == {"duplicate primary key id=<key> (kept the row with the latest updated_at)": 1}


def test_duplicate_key_without_updated_column_keeps_the_first_occurrence(tmp_path):
    write(tmp_path, "zuora", "product", "id,name,sku\nP1,first,\nP1,second,\n")
    loaded = load(tmp_path, "zuora", "product")
    assert loaded.raw["name"].tolist() == ["first"]
    assert loaded.reasons == ["duplicate primary key id=P1 (kept the row with the first occurrence in the file)"]


def test_malformed_json_payload_is_quarantined(tmp_path):
    write(tmp_path, "version_db", "usage_data", "\n".join([PING_HEADER, ping_row(1, '"{""a"": 1}"'), ping_row(2, '"{""a"": "')]) + "\n")
    loaded = load(tmp_path, "version_db", "usage_data")
    assert loaded.raw["id"].tolist() == [1] and loaded.reasons == ["payload: malformed JSON"]


def test_payload_that_is_a_json_array_is_quarantined(tmp_path):
    write(tmp_path, "version_db", "usage_data", "\n".join([PING_HEADER, ping_row(1, '"{}"'), ping_row(2, '"[1, 2]"')]) + "\n")
    assert load(tmp_path, "version_db", "usage_data").reasons == ["payload: JSON array where an object is required"]


def test_json_object_with_leading_whitespace_is_loaded_trimmed(tmp_path):
    write(tmp_path, "version_db", "usage_data", "\n".join([PING_HEADER, ping_row(1, '"  {""a"": 1}"'), ping_row(2, '"  7"')]) + "\n")
    loaded = load(tmp_path, "version_db", "usage_data")
    assert loaded.raw["payload"].tolist() == ['{"a": 1}']
    assert loaded.reasons == ["payload: JSON number where an object is required"]


def test_unknown_enum_value_is_quarantined(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1), "2,b,b,Team,,,2024-01-01,2024-01-01"))
    assert load(tmp_path, "gitlab_dotcom", "namespaces").reasons == ["type: 'Team' is not one of User, Group"]


def test_negative_seats_are_quarantined(tmp_path):
    write(tmp_path, "gitlab_dotcom", "gitlab_subscriptions", "\n".join([
        SUB_HEADER, "1,1,100,10,5,5,,,false,,,2024-01-01,2024-01-01", "2,2,100,-3,0,0,,,false,,,2024-01-01,2024-01-01"]) + "\n")
    assert load(tmp_path, "gitlab_dotcom", "gitlab_subscriptions").reasons == ["seats: -3 is below the minimum 0"]


def test_all_reasons_of_a_row_are_listed(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1), "2,,b,Team,x,,2024-01-01,2024-01-01"))
    assert load(tmp_path, "gitlab_dotcom", "namespaces").reasons == [
        "missing required value in name; type: 'Team' is not one of User, Group; parent_id: 'x' is not a valid integer"]


def test_fifteen_character_sfdc_id_is_not_an_error(tmp_path):
    id15 = "0015e00000AbCdE"
    write(tmp_path, "sfdc", "account", "\n".join([
        "id,name,type,parent_id,ultimate_parent_account_id,master_record_id,is_deleted,billing_country,created_date",
        f"{id15},Acme,Customer,,,,false,US,2024-01-01", f"{to_18('0015e00000xYzQr')},Beta,Customer,,,,false,DE,2024-01-01"]) + "\n")
    loaded = load(tmp_path, "sfdc", "account")
    assert loaded.result.rows_quarantined == 0 and id15 in loaded.raw["id"].tolist()


def test_integral_decimal_is_an_integer_but_a_fraction_is_not(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n12.0,active,,2024-01-01\n13.5,active,,2024-01-01\n")
    loaded = load(tmp_path, "gitlab_dotcom", "users")
    assert loaded.raw["id"].tolist() == [12] and loaded.reasons == ["id: '13.5' is not a valid integer"]


def test_timestamps_with_an_offset_are_stored_in_utc(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n1,active,,2024-01-01T05:00:00+02:00\n")
    assert load(tmp_path, "gitlab_dotcom", "users").raw["created_at"].tolist() == [pd.Timestamp("2024-01-01 03:00:00")]


def test_future_timestamp_is_loaded_and_warned_about(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n1,active,,2024-01-01\n2,active,,2999-01-01\n")
    loaded = load(tmp_path, "gitlab_dotcom", "users")
    assert loaded.result.rows_loaded == 2
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        check = future_timestamps(DuckDBWarehouse(con), table_spec("gitlab_dotcom", "users"),
                                  now=dt.datetime(2026, 1, 1))
    assert not check.passed and check.severity.value == "WARN"
    assert "1 row(s) with created_at after 2026-01-01" in check.description
    assert check.metadata["sample_keys"].value == ["2"]


def test_parquet_input_loads_with_native_types(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "state": ["active", "gone"], "user_type": [None, "bot"],
                          "created_at": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    write(tmp_path, "gitlab_dotcom", "users", frame, fmt="parquet")
    loaded = load(tmp_path, "gitlab_dotcom", "users")
    assert loaded.raw["id"].tolist() == [1] and loaded.reasons == ["state: 'gone' is not one of active, blocked, deactivated"]


def test_unknown_files_are_listed(tmp_path):
    write(tmp_path, "gitlab_dotcom", "users", "id,state,user_type,created_at\n")
    write(tmp_path, "gitlab_dotcom", "userz", "x\n")
    write(tmp_path, "jira", "issues", "x\n")
    (tmp_path / "landing" / ".DS_Store").write_text("")
    assert unknown_files(tmp_path / "landing") == ["gitlab_dotcom/userz.csv", "jira/issues.csv"]


def test_reload_replaces_rather_than_appends(tmp_path):
    write(tmp_path, "gitlab_dotcom", "namespaces", namespaces(NS_ROW.format(id=1), NS_ROW.format(id="")))
    load(tmp_path, "gitlab_dotcom", "namespaces")
    again = load(tmp_path, "gitlab_dotcom", "namespaces")
    assert (len(again.raw), len(again.quarantine)) == (1, 1)
