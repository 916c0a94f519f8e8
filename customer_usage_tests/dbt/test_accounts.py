"""Salesforce ids, merge chains and ultimate parents (issue 2's walking-skeleton marts)."""

from __future__ import annotations

import duckdb
import pytest

from customer_usage.sfdc_ids import to_18
from customer_usage_tests.dbt import landing_data as d
from customer_usage_tests.dbt.conftest import q


def billing(small_warehouse) -> dict[str, str | None]:
    frame = q(small_warehouse, "select dim_billing_account_id, dim_crm_account_id from marts.dim_billing_account")
    return {r.dim_billing_account_id: r.dim_crm_account_id for r in frame.itertuples()}


def test_billing_account_resolves_15_char_ids(small_warehouse):
    assert billing(small_warehouse)["Z1"] == to_18(d.A1)


def test_billing_account_resolves_merge_chains_to_the_survivor(small_warehouse):
    assert billing(small_warehouse)["Z2"] == to_18(d.A2)  # M2 -> M3 -> A2


@pytest.mark.parametrize("account", ["Z3", "Z4", "Z5", "Z8"])  # unknown, missing, deleted, cycle
def test_billing_account_unresolved_ids_are_null(small_warehouse, account):
    resolved = billing(small_warehouse)
    assert account in resolved and resolved[account] is None


def test_deleted_billing_accounts_are_left_out(small_warehouse):
    assert "Z6" not in billing(small_warehouse)


def test_dim_crm_account_holds_survivors_only(small_warehouse):
    ids = set(q(small_warehouse, "select dim_crm_account_id from marts.dim_crm_account").dim_crm_account_id)
    assert ids == {to_18(d.A1), to_18(d.A2), to_18(d.A3)}


def test_ultimate_parent_follows_parents_through_merges(small_warehouse):
    frame = q(small_warehouse, "select dim_crm_account_id, dim_parent_crm_account_id from marts.dim_crm_account")
    parents = dict(zip(frame.dim_crm_account_id, frame.dim_parent_crm_account_id))
    assert parents[to_18(d.A2)] == to_18(d.A1)
    assert parents[to_18(d.A3)] == to_18(d.A1)  # its parent M1 merged into A1
    assert parents[to_18(d.A1)] == to_18(d.A1)


@pytest.mark.parametrize("id15", ["001Ab00000AbCdE", "a0B5g00000ZzYyX", "ABCDEABCDEABCDE", "abcdeabcdeabcde", "0015000000Gv7qJ"])
def test_sfdc_id_18_macro_agrees_with_python(small_warehouse, id15):
    """The macro compiled into stg_sfdc__account must match customer_usage.sfdc_ids for any id."""
    sql = q(small_warehouse, "select sql from duckdb_views() where view_name = 'stg_sfdc__account'").sql[0]
    start = sql.index("CASE WHEN") if "CASE WHEN" in sql else sql.lower().index("case")
    expr = sql[start:sql.lower().index(" as account_id_18")]
    with duckdb.connect() as con:
        assert con.execute(f"select {expr} from (select ? as id)", [id15]).fetchone()[0] == to_18(id15)


def resolution(path) -> dict:
    frame = q(path, "select dim_billing_account_id, crm_account_resolution, is_crm_id_checksum_mismatch "
                    "from marts.dim_billing_account")
    return {r.dim_billing_account_id: (r.crm_account_resolution, bool(r.is_crm_id_checksum_mismatch))
            for r in frame.itertuples()}


@pytest.mark.parametrize("account, expected", [
    ("Z3", ("unknown_crm_id", False)),     # well formed, Salesforce does not know it
    ("Z9", ("malformed_crm_id", False)),   # 16 characters
    ("Z11", ("malformed_crm_id", True)),   # wrong checksum, its 15-character prefix names no account
    ("Z10", ("direct", True)),             # wrong checksum, prefix names A3: resolved, flagged
    ("Z7", ("direct", False)),
])
def test_malformed_crm_ids_get_their_own_status(small_warehouse, account, expected):
    assert resolution(small_warehouse)[account] == expected


def test_wrong_checksum_resolves_through_the_15_character_prefix(small_warehouse):
    resolved = billing(small_warehouse)
    assert resolved["Z10"] == to_18(d.A3) and resolved["Z9"] is None and resolved["Z11"] is None


def test_coverage_ratio_is_64_bit(small_warehouse):
    types = q(small_warehouse, "select table_name, column_name, data_type from information_schema.columns "
                               "where column_name = 'coverage' and table_schema = 'marts'")
    assert len(types) >= 1 and set(types["data_type"]) == {"DOUBLE"}, types
