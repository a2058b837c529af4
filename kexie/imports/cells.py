"""Cell parsers of the row validator: ``(ctx, column, text) -> value`` or ``CellError`` with the Chinese
message, chosen by a column's ``type`` (``PARSERS``). Fast paths for the common cells (an ID number's check
digit, an 11-digit mobile, an ISO date) fall back to the shared validators for the message. Nothing here
touches the database; look-ups go through the import's ``Context`` (``validate.py``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import mul
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from kexie.core.text import join_list
from kexie.core.validators import (
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from kexie.imports.spec import CHOICE_SYNONYMS, Column
from kexie.people.fields import split_keywords

if TYPE_CHECKING:
    from kexie.imports.validate import Context

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLACEHOLDERS = frozenset({"-", "—", "--", "/", "／", "无", "暂无"})
MAX_KEYWORDS = 30
MAX_ERRORS_KEPT = 100_000
EXCEL_EPOCH = dt.date(1899, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME_BAD = re.compile(r"[<>\"'&;]")
_DATE_RES = (
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_SERIAL = re.compile(r"^\d{1,7}(\.\d+)?$")
_KEYWORD_SPLIT = re.compile(r"[，,；;、\n|]+")
_CODE_OK = re.compile(r"^[0-9A-Za-z\-_.·/]+$")
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


class CellError(Exception):
    """A cell's value is wrong; ``str(exc)`` is the Chinese message."""


@dataclass(frozen=True)
class OrgRef:
    id: int
    code: str
    name: str
    path: str
    depth: int
    category: str


# -- cell parsers: (ctx, column, text) -> value --------------------------------------------------------


def _text(ctx: Context, col: Column, v: str) -> str:
    if v.startswith(FORMULA_PREFIXES):
        raise CellError(_("内容以“%(c)s”开头，可能被表格软件当作公式执行（公式注入），请删除开头的“%(c)s”。")
                        % {"c": v[0].strip() or _("制表符")})
    if _CONTROL.search(v):
        raise CellError(_("内容中含有不可见的控制字符，请删除后重新填写。"))
    if col.max_length and len(v) > col.max_length:
        raise CellError(_("内容过长：%(n)s 个字，最多 %(max)s 个字。") % {"n": len(v), "max": col.max_length})
    return v


def _name(ctx: Context, col: Column, v: str) -> str:
    v = _text(ctx, col, v)
    if _NAME_BAD.search(v):
        raise CellError(_("姓名中包含不允许的字符（< > \" ' & ;）。"))
    return v


def _code(ctx: Context, col: Column, v: str) -> str:
    v = _text(ctx, col, v)
    if not _CODE_OK.match(v):
        raise CellError(_("编码只能由字母、数字和 - _ . / 组成。"))
    return v


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_ok(v: str, today: dt.date) -> bool:
    """The common case, quickly: a well-formed number with the right check digit and a real birth
    date. Anything else goes through ``validate_id_number`` for its message."""
    if len(v) != 18 or not v[:17].isdigit():
        return False
    if "10X98765432"[sum(map(mul, map(int, v[:17]), _ID_WEIGHTS)) % 11] != v[17]:
        return False
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return 1900 <= birth.year and birth <= today


def _id_number(ctx: Context, col: Column, v: str) -> str:
    if "+" in v or "." in v:
        raise CellError(_("身份证号被 Excel 存成了数字（如科学计数法），后几位已丢失：请把该列设为文本格式后重新填写。"))
    if not v.isalnum():
        v = normalize_id_number(v)
    elif v[-1] == "x":
        v = v.upper()
    if _id_ok(v, ctx.today):
        return v
    raise CellError(_message(validate_id_number, v) or _("身份证号码中的出生日期无效。"))


def _phone(ctx: Context, col: Column, v: str) -> str:
    if len(v) == 11 and v.isdigit() and v[0] == "1" and v[1] in "3456789":
        return v
    v = normalize_phone(v)
    message = _message(validate_phone, v)
    if message:
        raise CellError(message)
    return v


def _message(validator: Callable[[str], None], v: str) -> str | None:
    """The validator's first message, or None. Raising ``CellError`` outside the ``except`` block
    keeps the caught exception out of its context: no frame ↔ traceback cycle per bad cell (which,
    with a million bad cells, is gigabytes until the cyclic collector runs)."""
    try:
        validator(v)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


def _date_or_none(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def excel_serial_date(serial: float) -> dt.date:
    """Excel's 1900 date system, including its phantom 29 February 1900 (serial 60)."""
    days = int(serial)
    if days < 61:
        days += 1
    return EXCEL_EPOCH + dt.timedelta(days=days)


def parse_date(v: str) -> dt.date:
    if len(v) == 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit() and v[5:7].isdigit() and v[8:].isdigit():
        d = _date_or_none(int(v[:4]), int(v[5:7]), int(v[8:]))
        if d is None:
            raise CellError(_("日期“%(v)s”不存在，请核对年月日。") % {"v": v})
        return d
    for rx in _DATE_RES:
        m = rx.match(v)
        if m:
            d = _date_or_none(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if d is None:
                raise CellError(_("日期“%(v)s”不存在，请核对年月日。") % {"v": v})
            return d
    if _SERIAL.match(v):
        serial = float(v)
        if 1 <= serial <= 2958465:
            return excel_serial_date(serial)
    raise CellError(_("无法识别的日期“%(v)s”：请写成 2023-05-01、2023/5/1、2023.5.1 或 2023年5月1日。") % {"v": v})


def _date(ctx: Context, col: Column, v: str) -> dt.date:
    d = parse_date(v)
    if not 1900 <= d.year <= 2100:
        raise CellError(_("日期“%(v)s”超出 1900—2100 年的范围。") % {"v": v})
    return d


def _past_date(ctx: Context, col: Column, v: str) -> dt.date:
    d = _date(ctx, col, v)
    if d > ctx.today:
        raise CellError(_("日期“%(v)s”晚于今天。") % {"v": v})
    return d


def _choice(ctx: Context, col: Column, v: str) -> str:
    table = _choice_table(col)
    hit = table.get(v) if v in table else table.get(v.lower())
    if hit is None:
        raise CellError(_("“%(v)s”不是可选值，可填：%(opts)s。") % {"v": v, "opts": join_list(lbl for _, lbl in col.choices)})
    return hit


_choice_tables: dict[str, dict[str, str]] = {}


def _choice_table(col: Column) -> dict[str, str]:
    table = _choice_tables.get(col.key + col.header)
    if table is None:
        values = {value for value, _ in col.choices}
        table = {}
        for value, label in col.choices:
            table[label] = value
            if value:
                table[value] = value
        for word, value in CHOICE_SYNONYMS.items():
            if value in values:
                table.setdefault(word, value)
        _choice_tables[col.key + col.header] = table
    return table


def _email_value(ctx: Context, col: Column, v: str) -> str:
    if _message(_email, v) is not None:
        raise CellError(_("电子邮箱“%(v)s”格式不正确。") % {"v": v})
    return v


def _url_value(ctx: Context, col: Column, v: str) -> str:
    if not v.lower().startswith(("http://", "https://")):
        v = "http://" + v
    if _message(_url, v) is not None:
        raise CellError(_("网址“%(v)s”格式不正确。") % {"v": v})
    if len(v) > col.max_length:
        raise CellError(_("内容过长：%(n)s 个字，最多 %(max)s 个字。") % {"n": len(v), "max": col.max_length})
    return v


def _uscc(ctx: Context, col: Column, v: str) -> str:
    v = normalize_uscc(v)
    message = _message(validate_uscc, v)
    if message:
        raise CellError(message)
    return v


def _keywords(ctx: Context, col: Column, v: str) -> list[str]:
    _text(ctx, col, v)
    words = split_keywords(v.replace("|", "、"))  # the one parser of 专业特长; a cell may also use "|"
    if len(words) > MAX_KEYWORDS:
        raise CellError(_("专业特长最多填写%(n)s个关键词。") % {"n": MAX_KEYWORDS})
    if any(len(w) > 30 for w in words):
        raise CellError(_("每个专业特长关键词不超过30个字。"))
    for w in words:
        _text(ctx, col, w)
    return words


def _disciplines(ctx: Context, col: Column, v: str) -> list[int]:
    parts = [p.strip() for p in _KEYWORD_SPLIT.split(v) if p.strip()]
    return list(dict.fromkeys(ctx.discipline(p) for p in parts))


def _code_or_name(ctx: Context, col: Column, v: str) -> str:
    return _text(ctx, col, v)


PARSERS: dict[str, Callable[[Context, Column, str], Any]] = {
    "text": _text,
    "name": _name,
    "code": _code,
    "id_number": _id_number,
    "phone": _phone,
    "date": _date,
    "past_date": _past_date,
    "choice": _choice,
    "email": _email_value,
    "url": _url_value,
    "uscc": _uscc,
    "keywords": _keywords,
    "disciplines": _disciplines,
    "parent": _code_or_name,
    "org_change": lambda ctx, col, v: ctx.org(v, "change"),
    "org_view": lambda ctx, col, v: ctx.org(v, "view"),
    "society": lambda ctx, col, v: _society(ctx, v),
    "org_kind": lambda ctx, col, v: ctx.org_kind(v),
    "region": lambda ctx, col, v: ctx.region(v),
}


def _society(ctx: Context, v: str) -> OrgRef:
    ref = ctx.org(v, "change")
    if ref.category != "society":
        raise CellError(_("“%(v)s”不是学会或学会的分支机构。") % {"v": v})
    return ref
