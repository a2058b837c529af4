"""Row validation: one tight loop per row over precompiled parsers, every message in Chinese naming
the row and the column.

``Context`` holds what the loop looks things up in, loaded once per import: the organisations in
the user's scope by code and by name, disciplines, organisation kinds, regions. Parsers take the
cell text and return the value or raise ``CellError``; nothing here touches the database per row.
"""

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

from kexie.core.crypto import blind_index
from kexie.core.scope import path_in_scope, prefix_q, scope_paths
from kexie.core.text import join_list
from kexie.core.validators import (
    id_birth_date,
    id_gender,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from kexie.imports.spec import CHOICE_SYNONYMS, Column, Spec

if TYPE_CHECKING:
    from kexie.orgs.models import Organisation

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


class Context:
    """Per-import lookups and the error log; built once, consulted per row."""

    def __init__(self, user: Any, target: Organisation, spec: Spec, mode: str, today: dt.date | None = None) -> None:
        self.user = user
        self.target = target
        self.spec = spec
        self.mode = mode
        self.today = today or dt.date.today()
        self.view_paths = scope_paths(user, "imports.view")
        self.change_paths = scope_paths(user, "imports.change")
        self.errors: list[tuple[int, str, str]] = []
        self.error_rows: dict[int, list[tuple[str, str]]] = {}
        self.error_count = 0
        self._orgs_loaded = False
        self._disciplines: dict[str, int] | None = None
        self._kinds: dict[str, tuple[int, str]] | None = None
        self._regions: dict[str, int] | None = None
        self._missing: dict[str, str] = {}
        self.by_code: dict[str, OrgRef] = {}
        self.by_name: dict[str, list[OrgRef]] = {}

    # -- errors ---------------------------------------------------------------------------------
    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append((row, column, message))
            self.error_rows.setdefault(row, []).append((column, message))

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    # -- organisations ----------------------------------------------------------------------------
    def _load_orgs(self) -> None:
        from kexie.orgs.models import Organisation

        qs = Organisation.objects.alive().order_by()
        if self.view_paths is not None:
            qs = qs.filter(prefix_q("path", self.view_paths))
        for pk, code, name, short, path, depth, category in qs.values_list(
            "pk", "code", "name", "short_name", "path", "depth", "kind__category"
        ).iterator(chunk_size=5000):
            self.add_org(OrgRef(pk, code, name, path, depth, category), short)
        self._orgs_loaded = True

    def add_org(self, ref: OrgRef, short_name: str = "") -> None:
        self.by_code[ref.code] = ref
        self.by_code.setdefault(ref.code.upper(), ref)
        for n in {ref.name, short_name} - {""}:
            self.by_name.setdefault(n, []).append(ref)

    def org(self, text: str, purpose: str) -> OrgRef:
        """An organisation named by code or name; ``purpose`` is "change" (records are written into
        it: in the change scope and within the import's target) or "view" (only referred to)."""
        if not self._orgs_loaded:
            self._load_orgs()
        ref = self.by_code.get(text) or self.by_code.get(text.upper())
        if ref is None:
            named = self.by_name.get(text)
            if named and len(named) > 1:
                raise CellError(_("名称为“%(v)s”的组织有 %(n)s 个，请改填组织编码。") % {"v": text, "n": len(named)})
            ref = named[0] if named else None
        if ref is None:
            raise CellError(self._why_missing(text))
        if purpose == "change":
            if not path_in_scope(ref.path, self.change_paths):
                raise CellError(_("组织“%(v)s”不在您的管理范围内。") % {"v": text})
            if not ref.path.startswith(self.target.path):
                raise CellError(_("组织“%(v)s”不在本次导入的目标组织“%(t)s”之下。") % {"v": text, "t": self.target.name})
        return ref

    def _why_missing(self, text: str) -> str:
        if text not in self._missing:
            from django.db.models import Q

            from kexie.orgs.models import Organisation

            exists = Organisation.objects.filter(Q(code=text) | Q(name=text)).exists()
            self._missing[text] = (
                _("组织“%(v)s”不在您的管理范围内。") if exists else _("平台中没有编码或名称为“%(v)s”的组织。")
            ) % {"v": text}
        return self._missing[text]

    # -- code lists -------------------------------------------------------------------------------
    def discipline(self, text: str) -> int:
        if self._disciplines is None:
            from kexie.people.models import Discipline

            self._disciplines = {}
            for d_pk, code, name in Discipline.objects.values_list("pk", "code", "name"):
                self._disciplines[code] = d_pk
                self._disciplines.setdefault(name, d_pk)
        pk = self._disciplines.get(text)
        if pk is None:
            raise CellError(_("“%(v)s”不是 GB/T 13745 学科代码或学科名称。") % {"v": text})
        return pk

    def org_kind(self, text: str) -> tuple[int, str]:
        if self._kinds is None:
            from kexie.orgs.models import OrgKind

            self._kinds = {}
            for pk, code, name, category in OrgKind.objects.values_list("pk", "code", "name", "category"):
                self._kinds[code] = self._kinds[name] = (pk, category)
        hit = self._kinds.get(text)
        if hit is None:
            raise CellError(_("“%(v)s”不是平台中的组织类型。") % {"v": text})
        return hit

    def region(self, text: str) -> int:
        if self._regions is None:
            from kexie.orgs.models import Region

            self._regions = {}
            names: dict[str, list[int]] = {}
            for r_pk, code, name in Region.objects.values_list("pk", "code", "name"):
                self._regions[code] = r_pk
                names.setdefault(name, []).append(r_pk)
            for name, pks in names.items():
                self._regions.setdefault(name, pks[0] if len(pks) == 1 else -len(pks))
        pk = self._regions.get(text)
        if pk is None:
            raise CellError(_("“%(v)s”不是平台中的行政区划代码或名称。") % {"v": text})
        if pk < 0:
            raise CellError(_("名称为“%(v)s”的行政区划有多个，请改填区划代码。") % {"v": text})
        return pk


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
    words = list(dict.fromkeys(w.strip() for w in _KEYWORD_SPLIT.split(v) if w.strip()))
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


class RowParser:
    """Compiled once per import: which cell feeds which parser."""

    def __init__(self, ctx: Context, columns: list[tuple[int, Column]], headers: list[str]):
        self.ctx = ctx
        self.plan = [(i, col.key, col, PARSERS[col.type], headers[i] or col.header) for i, col in columns]
        self.header_of = {col.key: headers[i] or col.header for i, col in columns}
        self.required = [c for c in ctx.spec.columns if c.required]

    def header(self, key: str) -> str:
        return self.header_of.get(key) or self.ctx.spec.by_key[key].header

    def parse(self, row: int, cells: list[str]) -> dict[str, Any] | None:
        """The row's values by column key, or None after logging its errors."""
        ctx = self.ctx
        values: dict[str, Any] = {}
        ok = True
        n = len(cells)
        for i, key, col, parser, header in self.plan:
            text = cells[i] if i < n else ""
            if not text or text in PLACEHOLDERS:
                continue
            try:
                values[key] = parser(ctx, col, text)
            except CellError as exc:
                ctx.error(row, header, str(exc))
                ok = False
        for col in self.required:
            if col.key not in values and not (col.key in self.header_of and not ok and _had(cells, self, col.key)):
                ctx.error(row, self.header(col.key), _("必填项，不能为空。"))
                ok = False
        return values if ok else None


def _had(cells: list[str], parser: RowParser, key: str) -> bool:
    """Whether the row had text in the column (its parser already logged why it was refused)."""
    for i, k, *_rest in parser.plan:
        if k == key:
            return i < len(cells) and bool(cells[i]) and cells[i] not in PLACEHOLDERS
    return False


def person_identity(ctx: Context, parser: RowParser, row: int, values: dict[str, Any]) -> bool:
    """Cross-field rules for a person: birth date and gender agree with the ID number (and are
    taken from it when empty). Adds the blind indexes. False after logging an error."""
    ok = True
    idn = values.get("id_number")
    if idn:
        birth = id_birth_date(idn)
        if "birth_date" in values and values["birth_date"] != birth:
            ctx.error(row, parser.header("birth_date"), _("出生日期与身份证号码中的出生日期不一致。"))
            ok = False
        if "gender" in values and values["gender"] != id_gender(idn):
            ctx.error(row, parser.header("gender"), _("性别与身份证号码不一致。"))
            ok = False
        values.setdefault("birth_date", birth)
        values.setdefault("gender", id_gender(idn))
        values["id_hash"] = blind_index(idn)
    if values.get("phone"):
        values["phone_hash"] = blind_index(values["phone"])
    return ok
