"""Form schemas: checking a schema, validating a filer's data against it, and the cross-field rules.

A schema is ``{"sections": [{"key", "title", "fields": [...]}], "rules": [{"expr", "message"}]}``; a field has
``key``, ``label``, ``type`` (number/text/choice/date/file/table), ``required`` and per type ``unit``, ``min``,
``max``, ``decimals``, ``max_length``, ``multiline``, ``choices``, ``columns`` + ``max_rows`` (tables: fields of
the other types), ``extensions`` + ``max_size`` (files), ``help`` and ``prefill`` (a registry figure the caller
names, as reports do).

``check_schema(schema)`` returns the problems of a schema (empty when it is sound).
``clean(schema, raw, submit=…)`` turns what a filer sent (strings from a page or a spreadsheet, or
JSON values) into typed data and returns it with the errors by field key, in Chinese, each naming the
field. Required fields and the cross-field rules are enforced on submit only: a draft may be partial,
but what it holds must be well-formed.

Rules are small expressions over figures — number field keys, ``table.rows`` and ``table.column``
(a number column's sum) — with numbers, ``+ - * /``, unary minus, comparisons and ``and``/``or``/``not``.
They are parsed with Python's ``ast`` and interpreted by walking that tree with a whitelist of node
types: nothing is ever handed to ``eval`` (decision 0010).
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kexie.core.text import bracketed, join_list
from kexie.formkit import figures

TYPES = ("number", "text", "choice", "date", "file", "table")
TYPE_CHOICES = [("number", _lazy("数值")), ("text", _lazy("文本")), ("choice", _lazy("选项")), ("date", _lazy("日期")),
                ("file", _lazy("附件")), ("table", _lazy("表格（可多行）"))]
COLUMN_TYPES = ("number", "text", "choice", "date")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TEXT_MAX = 2000
TABLE_MAX_ROWS = 500
FILE_MAX_BYTES = 20 * 1024 * 1024
FILE_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "zip")
ALL = "__all__"


# ---- labels in the interface language -----------------------------------------------------------
def english() -> bool:
    """Whether the interface is in English (any ``en`` variant)."""
    return (get_language() or "").lower().startswith("en")


def localized(label: Any, label_en: Any = None) -> str:
    """The English label in the English interface when there is one; the Chinese label otherwise."""
    if isinstance(label_en, str) and label_en.strip() and english():
        return label_en.strip()
    return "" if label is None else str(label)


def label_of(f: Mapping[str, Any]) -> str:
    return localized(f.get("label") or f.get("key") or "", f.get("label_en"))


def help_of(f: Mapping[str, Any]) -> str:
    return localized(f.get("help") or "", f.get("help_en"))


def unit_of(f: Mapping[str, Any]) -> str:
    return localized(f.get("unit") or "", f.get("unit_en"))


def title_of(section: Mapping[str, Any]) -> str:
    return localized(section.get("title") or section.get("key") or "", section.get("title_en"))


def message_of(rule: Mapping[str, Any]) -> str:
    return localized(rule.get("message") or "", rule.get("message_en"))


def with_unit(label: str, unit: str) -> str:
    """"name（unit）", its brackets following the language."""
    return bracketed(label, unit) if unit else label


def _choice_value(c: Any) -> str | None:
    if isinstance(c, str):
        return c
    if isinstance(c, dict) and isinstance(c.get("value"), str):
        return str(c["value"])
    return None


def _choice_items(f: Mapping[str, Any]) -> list[Any]:
    items = f.get("choices")
    return items if isinstance(items, list) else []


def choice_values(f: Mapping[str, Any]) -> list[str]:
    """The stored values of a choice field (plain strings or the ``value`` of ``{value, label, label_en}``)."""
    return [v for v in (_choice_value(c) for c in _choice_items(f)) if v is not None]


def choice_options(f: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(stored value, label in the interface language) of each choice."""
    out: list[tuple[str, str]] = []
    for c in _choice_items(f):
        value = _choice_value(c)
        if value is None:
            continue
        out.append((value, localized(c.get("label") or value, c.get("label_en")) if isinstance(c, dict) else value))
    return out


def choice_label(f: Mapping[str, Any], value: Any) -> str:
    """The label of a stored choice value in the interface language (the value itself when unknown)."""
    text = "" if value is None else str(value)
    return dict(choice_options(f)).get(text, text)


# ---- walking a schema ---------------------------------------------------------------------------
def sections(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = schema.get("sections") if isinstance(schema, Mapping) else None
    return [s for s in value if isinstance(s, dict)] if isinstance(value, list) else []


def fields(schema: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The top-level fields of every section, in order."""
    for section in sections(schema):
        for f in section.get("fields") or []:
            if isinstance(f, dict):
                yield f


def field_map(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in fields(schema) if isinstance(f.get("key"), str)}


def rules(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    value = schema.get("rules") if isinstance(schema, Mapping) else None
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def figure_keys(schema: Mapping[str, Any]) -> dict[str, str]:
    """Every figure a schema yields (name → label): number fields, and per table its row count and
    the sum of each number column. These are the names rules may use and aggregation offers."""
    out: dict[str, str] = {}
    for f in fields(schema):
        key, label = f.get("key"), label_of(f)
        if f.get("type") == "number":
            out[str(key)] = label
        elif f.get("type") == "table":
            out[f"{key}.{figures.ROWS}"] = _("%(t)s（行数）") % {"t": label}
            for col in f.get("columns") or []:
                if isinstance(col, dict) and col.get("type") == "number":
                    out[f"{key}.{col.get('key')}"] = _("%(t)s：%(c)s（合计）") % {"t": label, "c": label_of(col)}
    return out


# ---- checking a schema --------------------------------------------------------------------------
def check_schema(schema: Any, *, prefill: Collection[str] = ()) -> list[str]:
    """The problems of a schema, in Chinese; empty when it may be saved. ``prefill``: the figure names a number
    field may be pre-filled from (reports pass their registry metrics; elsewhere there are none)."""
    if not isinstance(schema, dict):
        return [_("表单结构应为 JSON 对象。")]
    problems: list[str] = []
    if not isinstance(schema.get("sections", []), list):
        return [_("“sections”应为列表。")]
    seen: set[str] = set()
    section_keys: set[str] = set()
    for i, section in enumerate(schema.get("sections", []), start=1):
        if not isinstance(section, dict):
            problems.append(_("第 %(n)s 节应为 JSON 对象。") % {"n": i})
            continue
        skey = section.get("key")
        if not isinstance(skey, str) or not KEY_RE.match(skey):
            problems.append(_("第 %(n)s 节的键“%(k)s”无效：应以小写字母开头，只含小写字母、数字和下划线。")
                            % {"n": i, "k": skey or ""})
        elif skey in section_keys:
            problems.append(_("节的键“%(k)s”重复。") % {"k": skey})
        else:
            section_keys.add(skey)
        if not str(section.get("title") or "").strip():
            problems.append(_("第 %(n)s 节缺少标题。") % {"n": i})
        if not isinstance(section.get("fields", []), list):
            problems.append(_("第 %(n)s 节的“fields”应为列表。") % {"n": i})
            continue
        for f in section.get("fields", []):
            problems.extend(_check_field(f, seen, prefill, in_table=None))
    if not isinstance(schema.get("rules", []), list):
        problems.append(_("“rules”应为列表。"))
        return problems
    names = set(figure_keys(schema))
    for rule in schema.get("rules", []):
        if not isinstance(rule, dict) or not isinstance(rule.get("expr"), str):
            problems.append(_("每条规则应包含表达式“expr”。"))
            continue
        try:
            Rule.parse(rule["expr"], names)
        except RuleError as exc:
            problems.append(str(exc))
    return problems


def _check_field(f: Any, seen: set[str], metrics: Collection[str], in_table: str | None) -> list[str]:
    if not isinstance(f, dict):
        return [_("字段应为 JSON 对象。")]
    key, ftype, label = f.get("key"), f.get("type"), f.get("label")
    where = _("表格“%(t)s”的列") % {"t": in_table} if in_table else _("字段")
    problems: list[str] = []
    if not isinstance(key, str) or not KEY_RE.match(key):
        return [_("%(w)s的键“%(k)s”无效：应以小写字母开头，只含小写字母、数字和下划线。") % {"w": where, "k": key or ""}]
    if key in seen:
        problems.append(_("%(w)s的键“%(k)s”重复。") % {"w": where, "k": key})
    seen.add(key)
    if not str(label or "").strip():
        problems.append(_("%(w)s“%(k)s”缺少名称。") % {"w": where, "k": key})
    for name in ("label_en", "help_en", "unit_en"):
        if f.get(name) is not None and not isinstance(f.get(name), str):
            problems.append(_("%(w)s“%(k)s”的英文名称、说明或单位应为文本。") % {"w": where, "k": key})
            break
    if ftype not in TYPES:
        problems.append(_("%(w)s“%(k)s”的类型“%(t)s”未知。") % {"w": where, "k": key, "t": ftype or ""})
        return problems
    if ftype == "choice":
        choices = f.get("choices")
        values = [_choice_value(c) for c in choices] if isinstance(choices, list) else []
        if not values or not all(v and v.strip() for v in values):
            problems.append(_("选项字段“%(k)s”没有选项。") % {"k": key})
        elif len(set(values)) != len(values):
            problems.append(_("选项字段“%(k)s”有重复的选项。") % {"k": key})
    if ftype == "number":
        lo, hi, dec = f.get("min"), f.get("max"), f.get("decimals", 0)
        for name, bound in (("min", lo), ("max", hi)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
                problems.append(_("数值字段“%(k)s”的%(b)s应为数字。") % {"k": key, "b": name})
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            problems.append(_("数值字段“%(k)s”的最小值大于最大值。") % {"k": key})
        if dec is not None and (isinstance(dec, bool) or not isinstance(dec, int) or not 0 <= dec <= 6):
            problems.append(_("数值字段“%(k)s”的小数位数应为 0 到 6 的整数。") % {"k": key})
    prefill = f.get("prefill")
    if prefill:
        if ftype != "number":
            problems.append(_("只有数值字段可以从登记数据预填（“%(k)s”）。") % {"k": key})
        elif prefill not in metrics:
            problems.append(_("字段“%(k)s”的预填来源“%(p)s”未知。") % {"k": key, "p": prefill})
    if ftype == "table":
        if in_table:
            problems.append(_("表格“%(t)s”的列“%(k)s”不能是表格。") % {"t": in_table, "k": key})
            return problems
        columns = f.get("columns")
        if not isinstance(columns, list) or not columns:
            problems.append(_("表格“%(k)s”没有列。") % {"k": key})
            return problems
        col_seen: set[str] = set()
        for col in columns:
            problems.extend(_check_field(col, col_seen, metrics, in_table=key))
        max_rows = f.get("max_rows", TABLE_MAX_ROWS)
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            problems.append(_("表格“%(k)s”的最多行数应为正整数。") % {"k": key})
    return problems


# ---- cleaning values ----------------------------------------------------------------------------
@dataclass
class Result:
    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        return [m for msgs in self.errors.values() for m in msgs]


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def clean(schema: Mapping[str, Any], raw: Mapping[str, Any], *, submit: bool, year: int | None = None) -> Result:
    """Typed data and errors by field key (rule errors under ``__all__``). Unknown keys are dropped. Every problem
    is reported at once: a rule is checked whenever the figures it needs are valid, whatever else failed. ``year``:
    the report year that dates marked ``in_year`` must fall in (none: not checked)."""
    result = Result({})
    for f in fields(schema):
        key = f["key"]
        value = raw.get(key)
        if f.get("type") == "table":
            rows = _clean_table(f, value, result, submit, year)
            if rows:
                result.data[key] = rows
            elif submit and f.get("required"):
                result.add(key, _("“%(f)s”为必填项，请至少填写一行。") % {"f": label_of(f)})
            continue
        if is_empty(value):
            if submit and f.get("required"):
                result.add(key, _("“%(f)s”为必填项。") % {"f": label_of(f)})
            continue
        try:
            result.data[key] = clean_value(f, value)
            _check_year(f, result.data[key], year)
        except ValueError as exc:
            result.add(key, str(exc))
    if submit:  # a rule whose figures failed above cannot be judged: it holds None and says nothing
        for rule in rules(schema):
            message = check_rule(rule, result.data, set(figure_keys(schema)))
            if message:
                result.add(ALL, message)
    return result


def _check_year(f: Mapping[str, Any], value: Any, year: int | None) -> None:
    """A date marked ``in_year`` (cleaned: an ISO string) outside the report year."""
    if year and f.get("in_year") and isinstance(value, str) and not value.startswith(f"{year:04d}-"):
        raise ValueError(_("“%(f)s”应在统计年度 %(y)s 年内，填的是 %(d)s。") % {"f": label_of(f), "y": year, "d": value})


def _clean_table(f: Mapping[str, Any], value: Any, result: Result, submit: bool,
                 year: int | None = None) -> list[dict[str, Any]]:
    label = label_of(f)
    if is_empty(value):
        return []
    if not isinstance(value, list):
        result.add(f["key"], _("“%(f)s”应为表格行的列表。") % {"f": label})
        return []
    max_rows = int(f.get("max_rows") or TABLE_MAX_ROWS)
    if len(value) > max_rows:
        result.add(f["key"], _("“%(f)s”最多 %(n)s 行，现有 %(m)s 行。") % {"f": label, "n": max_rows, "m": len(value)})
        return []
    columns = [c for c in f.get("columns") or [] if isinstance(c, dict)]
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            result.add(f["key"], _("“%(f)s”第 %(r)s 行格式有误。") % {"f": label, "r": number})
            continue
        if all(is_empty(row.get(c["key"])) for c in columns):
            continue  # a blank row is dropped, not an error
        out: dict[str, Any] = {}
        for col in columns:
            cell = row.get(col["key"])
            if is_empty(cell):
                if submit and col.get("required"):
                    result.add(f["key"], _("“%(f)s”第 %(r)s 行：“%(c)s”为必填项。")
                               % {"f": label, "r": number, "c": label_of(col)})
                continue
            try:
                out[col["key"]] = clean_value(col, cell)
                _check_year(col, out[col["key"]], year)
            except ValueError as exc:
                result.add(f["key"], _("“%(f)s”第 %(r)s 行：%(e)s") % {"f": label, "r": number, "e": exc})
        rows.append(out)
    return rows


def clean_value(f: Mapping[str, Any], value: Any) -> Any:
    """One non-empty value of a (non-table) field, typed; ValueError with a Chinese message naming it."""
    ftype = f.get("type")
    cleaner = CLEANERS.get(str(ftype))
    if cleaner is None:
        raise ValueError(_("“%(f)s”的类型未知。") % {"f": label_of(f)})
    return cleaner(f, value)


def _number(f: Mapping[str, Any], value: Any) -> int | float:
    label = label_of(f)
    if isinstance(value, bool):
        raise ValueError(_("“%(f)s”应为数字。") % {"f": label})
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(f)s”应为数字，填写的是“%(v)s”。") % {"f": label, "v": str(value)[:40]}) from None
    if not number.is_finite():
        raise ValueError(_("“%(f)s”应为数字。") % {"f": label})
    decimals = f.get("decimals", 0) or 0
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > decimals:
        if decimals == 0:
            raise ValueError(_("“%(f)s”应为整数。") % {"f": label})
        raise ValueError(_("“%(f)s”最多保留 %(d)s 位小数。") % {"f": label, "d": decimals})
    lo, hi = f.get("min"), f.get("max")
    if lo is not None and number < Decimal(str(lo)):
        raise ValueError(_("“%(f)s”不能小于 %(n)s。") % {"f": label, "n": _fmt(lo)})
    if hi is not None and number > Decimal(str(hi)):
        raise ValueError(_("“%(f)s”不能大于 %(n)s。") % {"f": label, "n": _fmt(hi)})
    return int(number) if places == 0 and abs(number) < 2**53 else float(number)


def _fmt(n: Any) -> str:
    return f"{n:g}" if isinstance(n, float) else str(n)


def _text(f: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    limit = int(f.get("max_length") or TEXT_MAX)
    if len(text) > limit:
        raise ValueError(_("“%(f)s”不能超过 %(n)s 个字（现有 %(m)s 个）。") % {"f": label_of(f), "n": limit, "m": len(text)})
    return text


def _choice(f: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    options = choice_options(f)
    if text in dict(options):
        return text
    # the label in either language names the same choice (a spreadsheet filled in the English interface)
    for c in _choice_items(f):
        stored = _choice_value(c)
        if stored and isinstance(c, dict) and text in {str(c.get("label") or ""), str(c.get("label_en") or "")} - {""}:
            return stored
    raise ValueError(_("“%(f)s”应为以下选项之一：%(c)s。") % {"f": label_of(f), "c": join_list([lab for _v, lab in options])})


def _date(f: Mapping[str, Any], value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip().replace("/", "-").replace(".", "-")
        text = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", text)
        try:
            y, m, d = (int(p) for p in text.split(" ")[0].split("-"))
            day = dt.date(y, m, d)
        except ValueError:
            raise ValueError(_("“%(f)s”应为日期（如 2024-05-01），填写的是“%(v)s”。")
                             % {"f": label_of(f), "v": str(value)[:40]}) from None
    lo, hi = f.get("min"), f.get("max")
    if isinstance(lo, str) and day.isoformat() < lo:
        raise ValueError(_("“%(f)s”不能早于 %(d)s。") % {"f": label_of(f), "d": lo})
    if isinstance(hi, str) and day.isoformat() > hi:
        raise ValueError(_("“%(f)s”不能晚于 %(d)s。") % {"f": label_of(f), "d": hi})
    return day.isoformat()


def check_file(f: Mapping[str, Any], name: str, size: int) -> None:
    """Size and type limits of an attachment; ValueError with the Chinese message."""
    limit = int(f.get("max_size") or FILE_MAX_BYTES)
    allowed = [str(e).lower().lstrip(".") for e in f.get("extensions") or FILE_EXTENSIONS]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ValueError(_("“%(f)s”只接受 %(e)s 格式的文件。") % {"f": label_of(f), "e": join_list(allowed)})
    if size > limit:
        raise ValueError(_("“%(f)s”的文件大小不能超过 %(n)s MB。") % {"f": label_of(f), "n": _fmt(round(limit / 1024**2, 1))})


def _file(f: Mapping[str, Any], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not isinstance(value.get("path"), str):
        raise ValueError(_("“%(f)s”应为上传的文件。") % {"f": label_of(f)})
    size = value.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(_("“%(f)s”应为上传的文件。") % {"f": label_of(f)})
    check_file(f, value["name"], size)
    return {"name": value["name"], "path": value["path"], "size": size}


CLEANERS: dict[str, Callable[[Mapping[str, Any], Any], Any]] = {
    "number": _number, "text": _text, "choice": _choice, "date": _date, "file": _file,
}


# ---- rules --------------------------------------------------------------------------------------
class RuleError(ValueError):
    pass


_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
_COMPARE: dict[type, Callable[[float, float], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
EPSILON = 1e-9


class _Missing(Exception):
    """A figure the rule needs is empty: the rule cannot be judged (required flags catch it)."""


@dataclass(frozen=True)
class Rule:
    expr: str
    tree: ast.Expression
    names: frozenset[str]

    @classmethod
    def parse(cls, expr: str, known: set[str]) -> Rule:
        if len(expr) > 500:
            raise RuleError(_("规则“%(e)s…”过长。") % {"e": expr[:40]})
        try:
            tree = ast.parse(expr.strip(), mode="eval")
        except SyntaxError:
            raise RuleError(_("规则“%(e)s”的语法有误。") % {"e": expr}) from None
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                if not isinstance(node.value, ast.Name):
                    raise RuleError(_("规则“%(e)s”中只能使用“表格.列”形式的名称。") % {"e": expr})
                names.add(f"{node.value.id}.{node.attr}")
            elif isinstance(node, ast.Name):
                continue  # counted below, unless it is the table half of an Attribute
            elif not isinstance(node, _ALLOWED):
                raise RuleError(_("规则“%(e)s”中含有不允许的内容（只可使用数值字段、数字、+ - * /、比较和 and/or）。")
                                % {"e": expr})
            if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or
                                                   not isinstance(node.value, int | float)):
                raise RuleError(_("规则“%(e)s”中只能使用数字常量。") % {"e": expr})
        attribute_bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in attribute_bases}
        unknown = sorted(names - known)
        if unknown:
            raise RuleError(_("规则“%(e)s”引用了未知的数值字段：%(n)s。") % {"e": expr, "n": join_list(unknown)})
        if not isinstance(tree.body, ast.Compare | ast.BoolOp) and not (
                isinstance(tree.body, ast.UnaryOp) and isinstance(tree.body.op, ast.Not)):
            raise RuleError(_("规则“%(e)s”应为比较（如 a <= b）。") % {"e": expr})
        return cls(expr, tree, frozenset(names))

    def holds(self, data: Mapping[str, Any]) -> bool | None:
        """True/False, or None when a figure it needs is empty or it divides by zero."""
        try:
            return bool(self._eval(self.tree.body, data))
        except (_Missing, ZeroDivisionError):
            return None

    def _eval(self, node: ast.AST, data: Mapping[str, Any]) -> float | bool:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, int | float):
                return float(node.value)
            raise RuleError(self.expr)
        if isinstance(node, ast.Name | ast.Attribute):
            key = node.id if isinstance(node, ast.Name) else f"{node.value.id}.{node.attr}"  # type: ignore[attr-defined]
            value = figures.figure(data, key)
            if value is None:
                raise _Missing(key)
            return value
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, data)
            if isinstance(node.op, ast.Not):
                return not operand
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, data), self._eval(node.right, data))
        if isinstance(node, ast.BoolOp):
            values = (self._eval(v, data) for v in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, data)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, data)
                if not _compare(op, float(left), float(right)):
                    return False
                left = right
            return True
        raise RuleError(self.expr)  # unreachable: parse() admits only the nodes above


def _compare(op: ast.cmpop, a: float, b: float) -> bool:
    tolerance = EPSILON * max(1.0, abs(a), abs(b))
    if isinstance(op, ast.Eq):
        return math.isclose(a, b, abs_tol=tolerance)
    if isinstance(op, ast.NotEq):
        return not math.isclose(a, b, abs_tol=tolerance)
    if isinstance(op, ast.LtE):
        return a <= b + tolerance
    if isinstance(op, ast.GtE):
        return a + tolerance >= b
    return _COMPARE[type(op)](a, b)


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd,
            ast.Not, ast.Constant, ast.Load, *_BINARY, *_COMPARE)


def check_rule(rule: Mapping[str, Any], data: Mapping[str, Any], known: set[str]) -> str:
    """The rule's message when the data breaks it, else an empty string."""
    try:
        parsed = Rule.parse(str(rule.get("expr") or ""), known)
    except RuleError as exc:
        return str(exc)
    if parsed.holds(data) is False:
        return message_of(rule) or _("不满足校验规则：%(e)s") % {"e": parsed.expr}
    return ""
