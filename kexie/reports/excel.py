"""Excel in and out for a campaign.

Out: all submissions (one row per filer, one column per field; each table field on its own sheet,
keyed by organisation code) and the aggregate, through ``kexie.core.export`` (formula injection
neutralised). In: a per-campaign template (one row per filer in the user's scope, headers = field
labels, an explanation sheet) and its upload: every row checked with the form's own validation, messages
naming row and column; all or nothing; each imported submission recorded as an IMPORTED event.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kexie.core.export import Sheet, neutralise
from kexie.core.text import join_clauses, join_list
from kexie.formkit import schema as S
from kexie.imports.readers import FileError, cell_text, inspect
from kexie.reports import services
from kexie.reports.aggregate import Aggregate
from kexie.reports.models import Campaign, EventAction, Submission

MAX_IMPORT_BYTES = 50 * 1024 * 1024
# A filled report is a few sheets of a few hundred rows; far more is not a report (or is a zip bomb).
MAX_REPORT_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_REPORT_ROWS = 100_000


def _header(f: dict[str, Any]) -> str:
    """A column's header in the interface language: "name（unit）", brackets following the language."""
    return S.with_unit(S.label_of(f), S.unit_of(f))


def _headers(f: dict[str, Any]) -> set[str]:
    """Every header a column is recognised by on import (normalised): its name with or without its unit, in either
    language, so a template downloaded in the English interface imports as well."""
    labels = {str(x) for x in (f.get("label") or f.get("key"), f.get("label_en")) if x}
    units = {str(x) for x in (f.get("unit"), f.get("unit_en")) if x}
    return {_norm(label) for label in labels} | {_norm(f"{label}（{unit}）") for label in labels for unit in units}


def _any_language(msgid: str) -> set[str]:
    """A fixed header or sheet name (already marked for translation) as written in each interface language,
    normalised: a template downloaded in one language imports in the other."""
    out = {_norm(msgid)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out.add(_norm(_(msgid)))
    return out


def _norm(text: str) -> str:
    return "".join(str(text).split()).replace("(", "（").replace(")", "）").lower()


def flat_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields with one cell per filer: every type but tables (files are exported by name)."""
    return [f for f in S.fields(schema) if f.get("type") != "table"]


def table_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in S.fields(schema) if f.get("type") == "table"]


def _cell(f: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    if f.get("type") == "file":
        return value.get("name") if isinstance(value, dict) else None
    return value


# ---- export -------------------------------------------------------------------------------------
def submission_sheets(campaign: Campaign, submissions: Any) -> list[Sheet]:
    schema = campaign.version.schema
    flat = flat_fields(schema)
    subs = list(submissions.select_related("organisation").order_by("org_path"))
    head = [_("组织编码"), _("组织名称"), _("状态"), _("提交次数"), _("提交时间"), _("审核意见")]

    def main_rows() -> Iterator[list[Any]]:
        for s in subs:
            yield [s.organisation.code, s.organisation.name, s.get_status_display(), s.revision,
                   s.submitted_at, s.comment, *[_cell(f, (s.data or {}).get(f["key"])) for f in flat]]

    sheets: list[Sheet] = [(_("填报数据"), head + [_header(f) for f in flat], main_rows())]
    for t in table_fields(schema):
        columns = [c for c in t.get("columns") or [] if isinstance(c, dict)]

        def table_rows(t: dict[str, Any] = t, columns: list[dict[str, Any]] = columns) -> Iterator[list[Any]]:
            for s in subs:
                for i, row in enumerate((s.data or {}).get(t["key"]) or [], start=1):
                    yield [s.organisation.code, s.organisation.name, i, *[row.get(c["key"]) for c in columns]]

        sheets.append((S.label_of(t), [_("组织编码"), _("组织名称"), _("行号")] + [_header(c) for c in columns],
                       table_rows()))
    return sheets


def aggregate_sheets(agg: Aggregate) -> list[Sheet]:
    head = [_("组织编码"), _("组织名称"), _("填报单位数"), _("计入单位数")]
    for k in agg.keys:
        label = agg.labels[k]
        head += [_("%(f)s 合计") % {"f": label}, _("%(f)s 平均") % {"f": label},
                 _("%(f)s 填报数") % {"f": label}, _("%(f)s 占比") % {"f": label}]

    def line(code: str, name: str, row: Any) -> list[Any]:
        out: list[Any] = [code, name, row.filers, row.counted]
        for k in agg.keys:
            st = row.stats.get(k)
            out += [st.sum if st else 0, st.mean if st else None, st.count if st else 0,
                    round(st.share, 6) if st and st.share is not None else None]
        return out

    def rows() -> Iterator[list[Any]]:
        for r in agg.rows:
            name = r.org.name if r.org else r.path
            yield line(r.org.code if r.org else "", name + (_("（本级）") if r.own else ""), r)
        yield line("", _("合计"), agg.total)

    return [(_("汇总"), head, rows())]


# ---- template -----------------------------------------------------------------------------------
def write_template(fileobj: Any, campaign: Campaign, submissions: Sequence[Submission]) -> None:
    schema = campaign.version.schema
    flat = [f for f in flat_fields(schema) if f.get("type") != "file"]
    wb = xlsxwriter.Workbook(fileobj, {"strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    head_required = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#B3261E"})
    locked = wb.add_format({"bg_color": "#F2F2F2"})
    ws = wb.add_worksheet(_("填报数据"))
    ws.write_string(0, 0, _("组织编码"), head_required)
    ws.write_string(0, 1, _("组织名称"), head)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 30)
    for c, f in enumerate(flat, start=2):
        ws.write_string(0, c, _header(f), head_required if f.get("required") else head)
        ws.set_column(c, c, max(12, len(_header(f)) * 2 + 2))
        if f.get("type") == "choice":
            ws.data_validation(1, c, max(1, len(submissions)), c, {
                "validate": "list", "source": [label for _v, label in S.choice_options(f)], "error_type": "warning"})
    for r, s in enumerate(submissions, start=1):
        ws.write_string(r, 0, s.organisation.code, locked)
        ws.write_string(r, 1, str(neutralise(s.organisation.name)), locked)
        for c, f in enumerate(flat, start=2):
            value = (s.data or {}).get(f["key"])
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            elif value not in (None, ""):
                ws.write_string(r, c, str(neutralise(str(value))))
    ws.freeze_panes(1, 2)
    for t in table_fields(schema):
        columns = [c for c in t.get("columns") or [] if isinstance(c, dict)]
        tws = wb.add_worksheet(_sheet_title(t))
        tws.write_string(0, 0, _("组织编码"), head_required)
        for c, col in enumerate(columns, start=1):
            tws.write_string(0, c, _header(col), head_required if col.get("required") else head)
            tws.set_column(c, c, max(12, len(_header(col)) * 2 + 2))
        r = 1
        for s in submissions:
            for row in (s.data or {}).get(t["key"]) or []:
                tws.write_string(r, 0, s.organisation.code)
                for c, col in enumerate(columns, start=1):
                    v = row.get(col["key"])
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        tws.write_number(r, c, v)
                    elif v not in (None, ""):
                        tws.write_string(r, c, str(neutralise(str(v))))
                r += 1
        tws.freeze_panes(1, 1)
    help_ws = wb.add_worksheet(_("填写说明"))
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    help_ws.set_column(0, 0, 30)
    help_ws.set_column(1, 1, 8)
    help_ws.set_column(2, 2, 70)
    help_ws.write_string(0, 0, _("《%(c)s》离线填报模板") % {"c": campaign.name}, bold)
    notes = [
        _("“填报数据”表每行是一个填报单位，请勿修改组织编码和表头；红色表头为必填项。"),
        _("表格类字段各占一张工作表，每行一条记录，用组织编码标明属于哪个单位；上传时该单位的表格以文件为准。"),
        _("上传后逐行按报表规则校验：只要有一处错误，整个文件都不会导入；全部正确时，各单位的填报直接提交待审核。"),
        _("已提交待审核或已通过的单位不能通过导入覆盖；某行除组织编码外全部留空则跳过该单位。"),
        _("附件类字段不能通过 Excel 导入，请在网页上上传。"),
    ]
    for i, note in enumerate(notes, start=2):
        help_ws.write_string(i, 0, "· " + note)
    row = len(notes) + 3
    for c, h in enumerate((_("列名"), _("必填"), _("说明"))):
        help_ws.write_string(row, c, h, bold)
    for f in flat + [c for t in table_fields(schema) for c in t.get("columns") or []]:
        row += 1
        desc = [S.help_of(f)]
        if f.get("type") == "number":
            bounds = [x for x in (f.get("min"), f.get("max")) if x is not None]
            desc.append(_("数值，%(d)s 位小数") % {"d": f.get("decimals") or 0}
                        + (_("，范围 %(lo)s～%(hi)s") % {"lo": f.get("min"), "hi": f.get("max")} if len(bounds) == 2 else ""))
        elif f.get("type") == "choice":
            desc.append(_("可选值：%(v)s") % {"v": join_list([label for _v, label in S.choice_options(f)])})
        elif f.get("type") == "date":
            desc.append(_("日期，如 2024-05-01"))
        help_ws.write_string(row, 0, _header(f))
        help_ws.write_string(row, 1, _("是") if f.get("required") else "")
        help_ws.write_string(row, 2, join_clauses(d for d in desc if d), wrap)
    rules = S.rules(schema)
    if rules:
        row += 2
        help_ws.write_string(row, 0, _("校验规则"), bold)
        for rule in rules:
            row += 1
            help_ws.write_string(row, 0, str(rule.get("message") or rule.get("expr")))
    wb.close()


def _sheet_title(t: dict[str, Any], label: str | None = None) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in (S.label_of(t) if label is None else label))[:31]
    return name or t["key"][:31]


def _table_sheet(sheets: dict[str, list[list[str]]], t: dict[str, Any]) -> list[list[str]] | None:
    """A table field's sheet, named in the interface language or in the other one."""
    for label in (S.label_of(t), str(t.get("label") or ""), str(t.get("label_en") or "")):
        rows = sheets.get(_sheet_title(t, label))
        if rows:
            return rows
    return None


# ---- import -------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    imported: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_sheets(path: str) -> dict[str, list[list[str]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    # Sizes and compression ratio from the zip directory before calamine inflates anything (zip bombs).
    with open(path, "rb") as fh:
        try:
            facts = inspect(fh)
        except FileError as exc:
            raise ValidationError(str(exc)) from exc
    if facts.unpacked > MAX_REPORT_UNPACKED_BYTES or facts.rows > MAX_REPORT_ROWS:
        raise ValidationError(_("Excel 文件解压后超过 %(mb)s MB 或 %(rows)s 行，不像一份填报表，未做任何处理。")
                              % {"mb": MAX_REPORT_UNPACKED_BYTES // 1024**2, "rows": f"{MAX_REPORT_ROWS:,}"})
    try:
        wb = CalamineWorkbook.from_path(path)
        out = {name: [[cell_text(v) for v in row] for row in wb.get_sheet_by_name(name).to_python()]
               for name in wb.sheet_names}
        wb.close()
    except CalamineError as exc:
        raise ValidationError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx/.xls 格式。")) from exc
    return out


def import_file(actor: Any, campaign: Campaign, upload: Any) -> ImportResult:
    """Check the whole upload; import nothing unless every row is right."""
    if upload.size > MAX_IMPORT_BYTES:
        raise ValidationError(_("文件不能超过 50 MB。"))
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        path = tmp.name
    try:
        sheets = _read_sheets(path)
    finally:
        os.unlink(path)
    return import_sheets(actor, campaign, sheets)


def import_sheets(actor: Any, campaign: Campaign, sheets: dict[str, list[list[str]]]) -> ImportResult:
    schema = campaign.version.schema
    result = ImportResult()
    if not sheets:
        result.errors.append(_("文件中没有工作表。"))
        return result
    main_name = _("填报数据")
    main = (sheets.get(main_name)
            or next((rows for name, rows in sheets.items() if _norm(name) in _any_language("填报数据")), None)
            or next(iter(sheets.values())))
    flat = {h: f for f in flat_fields(schema) if f.get("type") != "file" for h in _headers(f)}
    if not main or _norm(main[0][0] if main[0] else "") not in _any_language("组织编码"):
        result.errors.append(_("“%(s)s”表的第一列应为“组织编码”：请使用下载的模板。") % {"s": main_name})
        return result
    header = main[0]
    columns: dict[int, dict[str, Any]] = {}
    for c, text in enumerate(header):
        if c < 2 or not text:
            continue
        f = flat.get(_norm(text))
        if f is None:
            result.errors.append(_("第 1 行 %(col)s 列：无法识别的表头“%(h)s”。") % {"col": _column_letter(c), "h": text})
        else:
            columns[c] = f
    editable = {s.organisation.code: s for s in Submission.objects.for_user(actor, "reports.change")
                .filter(campaign=campaign).select_related("organisation", "campaign", "campaign__version")}
    raw_by_code: dict[str, dict[str, Any]] = {}
    line_of: dict[str, int] = {}
    for r, cells in enumerate(main[1:], start=2):
        if not any(cells):
            continue
        code = cells[0].strip() if cells else ""
        if not code:
            result.errors.append(_("第 %(r)s 行 A 列：组织编码为空。") % {"r": r})
            continue
        if code in raw_by_code:
            result.errors.append(_("第 %(r)s 行 A 列：组织编码“%(c)s”与第 %(p)s 行重复。") % {"r": r, "c": code, "p": line_of[code]})
            continue
        if code not in editable:
            result.errors.append(_("第 %(r)s 行 A 列：组织“%(c)s”不是本任务中您可填报的单位。") % {"r": r, "c": code})
            continue
        values = {columns[c]["key"]: (cells[c] if c < len(cells) else "") for c in columns}
        if not any(v for v in values.values()):
            result.skipped += 1
            continue
        raw_by_code[code], line_of[code] = values, r
    # Table sheets: rows keyed by organisation code, replacing that filer's table.
    for t in table_fields(schema):
        rows = _table_sheet(sheets, t)
        if not rows:
            continue
        cols = [c for c in t.get("columns") or [] if isinstance(c, dict)]
        by_head = {h: c for c in cols for h in _headers(c)}
        mapping: dict[int, dict[str, Any]] = {}
        for c, text in enumerate(rows[0][1:], start=1):
            if text and _norm(text) in by_head:
                mapping[c] = by_head[_norm(text)]
            elif text:
                result.errors.append(_("“%(s)s”表第 1 行 %(col)s 列：无法识别的表头“%(h)s”。")
                                     % {"s": _sheet_title(t), "col": _column_letter(c), "h": text})
        for r, cells in enumerate(rows[1:], start=2):
            if not any(cells):
                continue
            code = cells[0].strip()
            if code not in editable:
                result.errors.append(_("“%(s)s”表第 %(r)s 行 A 列：组织“%(c)s”不是本任务中您可填报的单位。")
                                     % {"s": _sheet_title(t), "r": r, "c": code})
                continue
            if code not in raw_by_code:
                raw_by_code[code], line_of[code] = {}, r
            raw_by_code[code].setdefault(t["key"], []).append(
                {col["key"]: (cells[c] if c < len(cells) else "") for c, col in mapping.items()})
    letters = {f["key"]: _column_letter(c) for c, f in columns.items()}
    for code, raw in raw_by_code.items():
        sub = editable[code]
        if sub.status not in services.EDITABLE:
            result.errors.append(_("第 %(r)s 行：“%(o)s”的填报%(s)s，不能通过导入覆盖。")
                                 % {"r": line_of[code], "o": sub.organisation.name, "s": sub.get_status_display()})
            continue
        merged = {**(sub.data or {}), **raw}  # a table without rows in its sheet keeps what was filled online
        raw_by_code[code] = merged
        checked = S.clean(schema, merged, submit=True, year=sub.campaign.year)
        for key, messages in checked.errors.items():
            where = (_("第 %(r)s 行 %(col)s 列") % {"r": line_of[code], "col": letters[key]} if key in letters
                     else _("第 %(r)s 行（%(o)s）") % {"r": line_of[code], "o": code})
            for m in messages:
                result.errors.append(f"{where}：{m}")
    if result.errors:
        return result
    with transaction.atomic():
        for code, raw in raw_by_code.items():
            sub = editable[code]
            if not services.can_fill(actor, sub):
                raise PermissionDenied(_("您无权填报该单位。"))
            services.submit(actor, sub, raw, action=EventAction.IMPORTED)
            result.imported += 1
    return result
