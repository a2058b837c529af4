"""The workbooks an import hands out: the empty template with its explanation sheet, and the
error workbook (the uploaded rows with the failing cells marked and the reason beside them), which
staff fix and upload again. Both are written by xlsxwriter in constant memory, text only and with
formula injection neutralised."""

from __future__ import annotations

from collections.abc import Iterable

import xlsxwriter
from django.utils.translation import gettext as _

from kexie.core.export import neutralise
from kexie.core.text import join_clauses, join_list
from kexie.imports.readers import Table
from kexie.imports.spec import ERROR_HEADER, Spec

TEXT_TYPES = {"id_number", "phone", "code", "uscc", "region", "org_change", "org_view", "society", "parent",
              "disciplines"}
MAX_ERROR_LIST = 100_000


def write_template(fileobj, spec: Spec) -> None:
    wb = xlsxwriter.Workbook(fileobj, {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(spec.title[:31])
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    head_required = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#B3261E"})
    text = wb.add_format({"num_format": "@"})
    for c, col in enumerate(spec.columns):
        ws.write_string(0, c, col.header, head_required if col.required else head)
        ws.set_column(c, c, max(12, len(col.header) * 2 + 4), text if col.type in TEXT_TYPES else None)
        if col.type == "choice":
            ws.data_validation(1, c, 1_048_575, c, {
                "validate": "list", "source": [label for _, label in col.choices if label],
                "error_type": "warning", "error_title": _("可选值"),
                "error_message": _("请从下拉列表中选择。"),
            })
    ws.freeze_panes(1, 0)

    help_ws = wb.add_worksheet(_("填写说明"))
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    help_ws.set_column(0, 0, 16)
    help_ws.set_column(1, 1, 8)
    help_ws.set_column(2, 2, 60)
    help_ws.set_column(3, 4, 30)
    help_ws.write_string(0, 0, _("《%(t)s》导入模板填写说明") % {"t": spec.title}, bold)
    row = 2
    for note in (
        _("第一张工作表的第一行是表头，请勿修改表头文字；从第二行起每行填写一条记录。"),
        _("红色表头为必填列；其余列可留空。列的顺序可以调整，不需要的列可以删除。"),
        _("单元格内容不能以 = + - @ 开头（防止公式注入）。"),
        _("支持 .xlsx、.xls 和 .csv（UTF-8 或 GB18030 编码）文件。"),
        *[str(n) for n in spec.notes],
    ):
        help_ws.write_string(row, 0, "· " + note)
        row += 1
    row += 1
    for c, h in enumerate((_("列名"), _("必填"), _("说明"), _("也可写作"), _("示例"))):
        help_ws.write_string(row, c, h, bold)
    row += 1
    for col in spec.columns:
        desc = str(col.help)
        if col.type == "choice":
            desc = (desc + " " if desc else "") + _("可选值：%(v)s。") % {"v": join_list(lbl for _, lbl in col.choices)}
        if col.max_length and col.type in ("text", "name", "code"):
            desc = (desc + " " if desc else "") + _("不超过%(n)s字。") % {"n": col.max_length}
        help_ws.write_string(row, 0, col.header)
        help_ws.write_string(row, 1, _("是") if col.required else "")
        help_ws.write_string(row, 2, desc, wrap)
        help_ws.write_string(row, 3, "、".join(col.variants), wrap)
        help_ws.write_string(row, 4, str(neutralise(col.example)))
        row += 1
    wb.close()


def cell_message(column: str, message: str) -> str:
    """One problem of a row as the error workbook's first column says it: the column named, then the message."""
    return _("“%(column)s”：%(message)s") % {"column": column, "message": message} if column else message


def write_error_workbook(fileobj, spec: Spec, table: Table, error_rows: dict[int, list[tuple[str, str]]],
                         errors: Iterable[tuple[int, str, str]]) -> None:
    """Every data row of the upload, in order, with an error column in front and the failing cells
    filled red; a second sheet lists each error. The error column is ignored on re-upload."""
    wb = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(spec.title[:31])
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bad = wb.add_format({"bg_color": "#F8D7DA", "font_color": "#9C0006", "num_format": "@"})
    msg = wb.add_format({"font_color": "#9C0006", "text_wrap": False})
    text = wb.add_format({"num_format": "@"})
    header = table.header
    ws.write_string(0, 0, ERROR_HEADER, head)
    ws.set_column(0, 0, 50)
    for c, h in enumerate(header, start=1):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, max(12, min(40, len(h) * 2 + 4)), text)
    index = {h: i for i, h in enumerate(header)}
    out = 0
    for number, cells in table.rows():
        out += 1
        problems = error_rows.get(number)
        marked = set()
        if problems:
            ws.write_string(out, 0, join_clauses(cell_message(col, m) for col, m in problems), msg)
            marked = {index[col] for col, _m in problems if col in index}
        for c, value in enumerate(cells):
            if value or c in marked:
                ws.write_string(out, c + 1, str(neutralise(value)), bad if c in marked else text)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, out, len(header))

    ls = wb.add_worksheet(_("错误清单"))
    bold = wb.add_format({"bold": True})
    for c, h in enumerate((_("行号"), _("列"), _("错误信息"))):
        ls.write_string(0, c, h, bold)
    ls.set_column(1, 1, 16)
    ls.set_column(2, 2, 80)
    for i, (row, col, message) in enumerate(errors, start=1):
        if i > MAX_ERROR_LIST:
            break
        ls.write_number(i, 0, row)
        ls.write_string(i, 1, str(neutralise(col)))
        ls.write_string(i, 2, message)
    wb.close()
