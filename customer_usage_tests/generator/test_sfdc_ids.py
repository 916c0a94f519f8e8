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
