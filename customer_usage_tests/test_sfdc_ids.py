from __future__ import annotations

import pytest

from customer_usage.sfdc_ids import is_valid_18, to_15, to_18


def test_known_conversion():
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert to_18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    assert to_15("001A0000006Vm9rIAC") == "001A0000006Vm9r"
    assert is_valid_18("001A0000006Vm9rIAC") and not is_valid_18("001A0000006Vm9rIAA")


def test_case_matters():
    assert to_18("001a0000006vm9r") != to_18("001A0000006Vm9r")


def test_bad_length_is_a_clear_error():
    with pytest.raises(ValueError, match="16 characters"):
        to_18("0" * 16)


def test_one_python_owner_of_the_alphabet_and_the_macro_agrees():
    from pathlib import Path

    import customer_usage
    from customer_usage.sfdc_ids import SUFFIX_ALPHABET
    from customer_usage.settings import DBT_PROJECT_DIR

    package = Path(customer_usage.__file__).parent
    owners = [p for p in package.rglob("*.py") if SUFFIX_ALPHABET in p.read_text()]
    assert [p.name for p in owners] == ["sfdc_ids.py"]
    assert f"'{SUFFIX_ALPHABET}'" in (DBT_PROJECT_DIR / "macros" / "sfdc_id_18.sql").read_text()


def test_problem_names_what_is_wrong():
    from customer_usage.sfdc_ids import problem

    good = to_18("001Ab00000AbCdE")
    assert problem(good) is None and problem(good[:15]) is None and problem(None) is None
    assert problem(good[:16]) == "has 16 characters, expected 15 or 18"
    assert problem("001Ab00000AbC_E") == "has characters other than A-Z, a-z, 0-9"
    assert problem(good[:15] + "AAA").startswith("checksum 'AAA' does not match")


def test_sql_forms_agree_with_python():
    import duckdb

    from customer_usage.sfdc_ids import problem, problem_sql, to_18_sql

    good = to_18("001Ab00000AbCdE")
    cases = [good, good[:15], good[:16], good[:15] + "AAA", "001Ab00000AbC_E"]
    with duckdb.connect() as con:
        for value in cases:
            canonical, why = con.execute(f"select {to_18_sql('x')}, {problem_sql('x')} from (select ? as x)",
                                         [value]).fetchone()
            assert (why is None) == (problem(value) is None), value
            if len(value) in (15, 18):
                assert canonical == to_18(value[:15])  # a wrong checksum is rebuilt from the prefix
