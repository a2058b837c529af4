"""Checksummed national codes: ID numbers (GB 11643), unified social credit codes (GB 32100),
mobile phone numbers and administrative division codes (GB/T 2260).

Each ``validate_*`` raises ``ValidationError`` with a message in the interface language (the
Chinese text is the message id); each ``is_valid_*`` returns a bool. Normalisers strip blanks
and upper-case.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_gender(value: str) -> str:
    """'M' or 'F' from the 17th digit."""
    return "M" if int(value[16]) % 2 else "F"


def validate_id_number(value: str) -> None:
    v = normalize_id_number(value)
    if not _ID_RE.match(v):
        raise ValidationError(_("身份证号码应为18位，前17位为数字，最后一位为数字或X。"), code="id_format")
    birth = id_birth_date(v)
    if birth is None or birth > dt.date.today() or birth.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth")
    if id_check_char(v[:17]) != v[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对后重新输入。"), code="id_checksum")


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


# GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, Z, S, V).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_uscc(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    v = normalize_uscc(value)
    if len(v) != 18 or not _USCC_RE.match(v):
        raise ValidationError(
            _("统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、Z、S、V）。"), code="uscc_format"
        )
    if uscc_check_char(v[:17]) != v[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对后重新输入。"), code="uscc_checksum")


def is_valid_uscc(value: str) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(value: str) -> str:
    v = re.sub(r"[\s()（）]", "", value or "")
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    return v


def validate_phone(value: str) -> None:
    v = normalize_phone(value)
    if not (_MOBILE_RE.match(v) or _LANDLINE_RE.match(v)):
        raise ValidationError(
            _("电话号码格式不正确：手机号应为以1开头的11位数字，座机应为“区号-号码”。"), code="phone_format"
        )


_REGION_RE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")


def validate_region_code(value: str) -> None:
    if not _REGION_RE.match(value or ""):
        raise ValidationError(
            _("行政区划代码应为6位（省、市、县）或9位、12位（乡镇、村）数字。"), code="region_format"
        )


def clean_id_number(value: str) -> str:
    """A form's ID number: normalised, checked when given (``ValidationError`` in Chinese), '' when empty."""
    value = normalize_id_number(value or "")
    if value:
        validate_id_number(value)
    return value


def clean_phone(value: str) -> str:
    """A form's phone number: normalised, checked when given (``ValidationError`` in Chinese), '' when empty."""
    value = normalize_phone(value or "")
    if value:
        validate_phone(value)
    return value
