import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kexie.core.validators import (
    id_check_char,
    is_valid_id_number,
    is_valid_uscc,
    normalize_phone,
    uscc_check_char,
    validate_id_number,
    validate_phone,
    validate_region_code,
    validate_uscc,
)


def test_published_id_number_example_is_valid():
    # The worked example from GB 11643-1999.
    assert is_valid_id_number("11010519491231002X")
    assert id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18位"),
        ("11010520991231002X", "出生日期"),
    ],
)
def test_bad_id_numbers_explain_in_chinese(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert message in exc.value.messages[0]


def test_lower_case_x_and_spaces_are_normalised():
    validate_id_number(" 11010519491231002x ")


def test_uscc_checksum():
    # The worked example of GB 32100-2015, and a one-character corruption of it.
    code = "91350100M000100Y43"
    assert uscc_check_char(code[:17]) == "3"
    assert is_valid_uscc(code)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_uscc(wrong)
    assert "校验位" in exc.value.messages[0]


def test_uscc_known_valid_code():
    assert is_valid_uscc("91110108551385082Q")


def test_uscc_rejects_forbidden_letters():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91110108551385082O")
    assert "不含I、O、Z、S、V" in exc.value.messages[0]


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "025-83456789", "0512-6789012"])
def test_phone_accepts_mobile_and_landline(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12345678901", "1381234567", "abc", "138123456789"])
def test_phone_rejects(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_phone_normalisation():
    assert normalize_phone("+86 138-1234 5678".replace("-", "")) == "13812345678"


@pytest.mark.parametrize("value", ["320000", "320102", "320102001", "320102001001"])
def test_region_codes(value):
    validate_region_code(value)


def test_region_code_rejects_letters():
    with pytest.raises(ValidationError):
        validate_region_code("32A102")


def test_future_birth_date_rejected():
    body = f"110105{dt.date.today().year + 1}0101001"
    with pytest.raises(ValidationError):
        validate_id_number(body + id_check_char(body))
