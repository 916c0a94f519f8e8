"""Issue #19's bad inputs, in CSV and Parquet: non-finite numbers, malformed Salesforce
ids, CSV files DuckDB cannot read (located by line and column), and legal empty
tables whose blocking contract check must pass so downstream builds.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from customer_usage.sfdc_ids import to_18
from customer_usage.sources.contract import table_spec
from customer_usage.sources.loader import load_into_duckdb
from customer_usage.sources.validation import validate_contract
from customer_usage.warehouse import DuckDBWarehouse
from customer_usage_tests.sources.test_bad_inputs import load, load_fails, write

CHARGE_COLUMNS = ["id", "rate_plan_id", "product_rate_plan_charge_id", "name", "charge_type", "mrr", "quantity",
                  "effective_start_date", "effective_end_date", "segment", "version", "created_date",
                  "updated_date", "deleted"]
SFDC_COLUMNS = ["id", "name", "type", "parent_id", "ultimate_parent_account_id", "master_record_id",
                "is_deleted", "billing_country", "created_date"]
GOOD_18 = to_18("001Ab00000AbCdE")


def charge(id_: str, mrr) -> dict:
    return {"id": id_, "rate_plan_id": "rp1", "product_rate_plan_charge_id": None, "name": "seats",
            "charge_type": "Recurring", "mrr": mrr, "quantity": 10, "effective_start_date": "2024-01-01",
            "effective_end_date": None, "segment": 1, "version": 1, "created_date": "2024-01-01 00:00:00",
            "updated_date": "2024-01-01 00:00:00", "deleted": False}


def as_csv(rows: list[dict], columns: list[str]) -> str:
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    return "\n".join([",".join(columns)] + [",".join(cell(r[c]) for c in columns) for r in rows]) + "\n"


def write_rows(tmp_path, system, table, rows, columns, fmt):
    if fmt == "csv":
        return write(tmp_path, system, table, as_csv(rows, columns))
    frame = pd.DataFrame(rows, columns=columns)
    for c in ("created_date", "updated_date"):
        if c in frame:
            frame[c] = pd.to_datetime(frame[c])
    for c in ("effective_start_date", "effective_end_date"):
        if c in frame:
            frame[c] = pd.to_datetime(frame[c]).dt.date
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    if "mrr" in frame:  # pandas turns NaN into NULL on the way to Parquet; a real NaN is wanted
        arrow = arrow.set_column(arrow.schema.get_field_index("mrr"), "mrr",
                                 pa.array([r["mrr"] for r in rows], type=pa.float64()))
    path = write(tmp_path, system, table, frame.head(0), fmt="parquet")
    pq.write_table(arrow, path)
    return path


# --- 3. NaN, Infinity and overflow never load silently ------------------------------------

@pytest.mark.parametrize("text", ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "-1e400"])
def test_non_finite_mrr_in_csv_is_quarantined_with_its_value(tmp_path, text):
    write_rows(tmp_path, "zuora", "rate_plan_charge", [charge("c1", 12.5), charge("c2", text)], CHARGE_COLUMNS, "csv")
    loaded = load(tmp_path, "zuora", "rate_plan_charge")
    assert loaded.raw["id"].tolist() == ["c1"]
    assert loaded.raw["mrr"].tolist() == [12.5]
    assert loaded.reasons == [f"mrr: '{text}' is not a finite number (NaN, Infinity or beyond the double range)"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_mrr_in_parquet_is_quarantined(tmp_path, value):
    write_rows(tmp_path, "zuora", "rate_plan_charge", [charge("c1", 12.5), charge("c2", value)], CHARGE_COLUMNS,
               "parquet")
    loaded = load(tmp_path, "zuora", "rate_plan_charge")
    assert loaded.raw["id"].tolist() == ["c1"]
    assert len(loaded.reasons) == 1 and loaded.reasons[0].startswith("mrr: ")
    assert "is not a finite number" in loaded.reasons[0]


def test_negative_infinite_quantity_gives_both_reasons(tmp_path):
    row = charge("c2", 1.0)
    row["quantity"] = "-Infinity"
    write_rows(tmp_path, "zuora", "rate_plan_charge", [charge("c1", 1.0), row], CHARGE_COLUMNS, "csv")
    (reason,) = load(tmp_path, "zuora", "rate_plan_charge").reasons
    assert "quantity: '-Infinity' is not a finite number" in reason and "below the minimum 0" in reason


# --- 5. malformed Salesforce ids are quarantined ------------------------------------------

def sfdc_row(id_: str) -> dict:
    return {"id": id_, "name": "Acme", "type": "Customer", "parent_id": None, "ultimate_parent_account_id": None,
            "master_record_id": None, "is_deleted": False, "billing_country": "DE",
            "created_date": "2024-01-01 00:00:00"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("bad, reason", [
    (GOOD_18[:16], "has 16 characters, expected 15 or 18"),
    (GOOD_18[:17], "has 17 characters, expected 15 or 18"),
    (GOOD_18[:15] + "ZZZ", "checksum 'ZZZ' does not match its first 15 characters"),
    ("001Ab00000AbC-E", "has characters other than A-Z, a-z, 0-9"),
    ("001Ab0000", "has 9 characters, expected 15 or 18"),
])
def test_malformed_sfdc_account_id_is_quarantined(tmp_path, fmt, bad, reason):
    write_rows(tmp_path, "sfdc", "account", [sfdc_row(GOOD_18), sfdc_row(bad)], SFDC_COLUMNS, fmt)
    loaded = load(tmp_path, "sfdc", "account")
    assert loaded.raw["id"].tolist() == [GOOD_18]
    assert loaded.reasons == [f"id: Salesforce id '{bad}' {reason}"]


def test_well_formed_15_and_18_character_sfdc_ids_load(tmp_path):
    other = to_18("001Ab00000XyZzZ")
    write_rows(tmp_path, "sfdc", "account", [sfdc_row(GOOD_18), sfdc_row(other[:15])], SFDC_COLUMNS, "csv")
    loaded = load(tmp_path, "sfdc", "account")
    assert sorted(loaded.raw["id"]) == sorted([GOOD_18, other[:15]]) and loaded.reasons == []


# --- 6. CSV files DuckDB cannot read: file, line and column -------------------------------

NS = "id,name,path,type,parent_id,owner_id,created_at,updated_at"
ROW = "{i},acme{i},acme{i},Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z"


def test_semicolon_delimited_csv_gets_a_delimiter_hint(tmp_path):
    text = "\n".join([NS.replace(",", ";"), ROW.format(i=1).replace(",", ";")]) + "\n"
    path = write(tmp_path, "gitlab_dotcom", "namespaces", text)
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert str(path) in message and "separated by semicolons" in message and "','" in message
    assert "missing required column" not in message


def test_tab_delimited_csv_gets_a_delimiter_hint(tmp_path):
    text = "\n".join([NS.replace(",", "\t"), ROW.format(i=1).replace(",", "\t")]) + "\n"
    write(tmp_path, "gitlab_dotcom", "namespaces", text)
    assert "separated by tabs" in load_fails(tmp_path, "gitlab_dotcom", "namespaces")


def test_unbalanced_quote_in_a_later_line_names_that_line_and_column(tmp_path):
    rows = [ROW.format(i=i) for i in range(1, 6)]
    rows.append('6,acme6,"acme6,Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z')
    path = write(tmp_path, "gitlab_dotcom", "namespaces", "\n".join([NS, *rows]) + "\n")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert message.startswith(f"{path}: cannot be read as CSV")
    assert "line 7, column 'path'" in message and "unbalanced quote" in message


def test_stray_quote_inside_an_unquoted_value_is_loaded_verbatim(tmp_path):
    rows = [ROW.format(i=1), '2,ac"me,acme2,Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z']
    write(tmp_path, "gitlab_dotcom", "namespaces", "\n".join([NS, *rows]) + "\n")
    assert load(tmp_path, "gitlab_dotcom", "namespaces").raw["name"].tolist() == ["acme1", 'ac"me']


def test_text_after_a_closing_quote_names_line_and_column(tmp_path):
    rows = [ROW.format(i=1), '2,"acme"x,acme2,Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z']
    write(tmp_path, "gitlab_dotcom", "namespaces", "\n".join([NS, *rows]) + "\n")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert "line 3, column 'name'" in message and "text after a closing quote" in message


def test_line_with_too_many_fields_names_the_line(tmp_path):
    rows = [ROW.format(i=1), ROW.format(i=2) + ",surplus", ROW.format(i=3)]
    write(tmp_path, "gitlab_dotcom", "namespaces", "\n".join([NS, *rows]) + "\n")
    message = load_fails(tmp_path, "gitlab_dotcom", "namespaces")
    assert "line 3 has 9 fields but the header has 8" in message


def test_quoted_value_spanning_lines_is_read_and_later_lines_are_counted(tmp_path):
    rows = [ROW.format(i=1), '2,"multi\nline",acme2,Group,,10,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z']
    write(tmp_path, "gitlab_dotcom", "namespaces", "\n".join([NS, *rows]) + "\n")
    loaded = load(tmp_path, "gitlab_dotcom", "namespaces")
    assert loaded.raw["name"].tolist() == ["acme1", "multi\nline"]


# --- 2. legal empty tables pass the blocking contract check -------------------------------

def contract_result(tmp_path, system, table):
    spec = table_spec(system, table)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        wh = DuckDBWarehouse(con)
        load_into_duckdb(wh, spec, tmp_path / "landing")
        return validate_contract(wh, spec)


@pytest.mark.parametrize("system, table", [("gitlab_dotcom", "members"), ("zuora", "product"),
                                           ("customers_db", "trial_histories")])
def test_header_only_optional_table_passes_its_contract(tmp_path, system, table):
    spec = table_spec(system, table)
    write(tmp_path, system, table, ",".join(spec.column_names) + "\n")
    result = contract_result(tmp_path, system, table)
    assert result.passed, result.description
    assert result.metadata["rows"].value == 0


def test_absent_optional_file_passes_its_contract(tmp_path):
    (tmp_path / "landing").mkdir()
    result = contract_result(tmp_path, "zuora", "product")
    assert result.passed, result.description


def test_empty_parquet_optional_table_passes_its_contract(tmp_path):
    spec = table_spec("zuora", "product")
    write(tmp_path, "zuora", "product", pd.DataFrame({c: pd.Series([], dtype="string") for c in spec.column_names}),
          fmt="parquet")
    assert contract_result(tmp_path, "zuora", "product").passed


def test_contract_still_fails_a_table_with_rows_that_break_it(tmp_path):
    spec = table_spec("zuora", "product")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema raw_zuora")
        con.execute("create table raw_zuora.product (id varchar, name varchar, sku varchar)")
        con.execute("insert into raw_zuora.product values (null, 'x', 'y')")
        result = validate_contract(DuckDBWarehouse(con), spec)
    assert not result.passed and "not_nullable" in result.description
