"""Excel and CSV export: xlsx streamed through xlsxwriter in constant memory, CSV (UTF-8 with a byte order
mark, so that Excel opens Chinese text) through the csv module for very large exports (decision 0033); in
both, formula injection is neutralised (a text cell that starts with = + - @ or a control character is
prefixed with ')."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse
from django.utils.translation import gettext as _
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_EXPORT_ROWS = 1_048_575


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # title, headers, rows
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8"}


def _csv_cells(rows: Iterable[Sequence[Any]], yes: str, no: str) -> Iterator[list[Any]]:
    """Rows as the csv module writes them: text neutralised, dates as ISO dates, times to the minute,
    booleans as 是/否 (None is written empty by the module itself)."""
    danger = DANGEROUS_PREFIXES
    for row in rows:
        out = list(row)
        for c, value in enumerate(out):
            kind = value.__class__
            if kind is str:
                if value.startswith(danger):
                    out[c] = "'" + value
            elif kind is bool:
                out[c] = yes if value else no
            elif kind is dt.datetime:
                out[c] = value.strftime("%Y-%m-%d %H:%M")
            elif kind is not int and kind is not float and kind is not dt.date and value is not None:
                text = str(value)
                out[c] = "'" + text if text.startswith(danger) else text
        yield out


def write_csv(fileobj: IO[bytes], headers: Sequence[str] | None, rows: Iterable[Sequence[Any]]) -> int:
    """One CSV file, UTF-8 with a byte order mark; returns the number of data rows written. No row limit.
    ``headers=None`` writes the rows alone, without the byte order mark: a part that is appended to a file
    begun with its headers (a parallel export, decision 0033)."""
    text = io.TextIOWrapper(fileobj, encoding="utf-8" if headers is None else "utf-8-sig", newline="",
                            write_through=False)
    try:
        writer = csv.writer(text)
        if headers is not None:
            writer.writerow([str(neutralise(str(h))) for h in headers])
        n = 0
        cells = _csv_cells(rows, _("是"), _("否"))
        while True:  # in blocks: writerows runs in C, the count stays exact
            block = [row for _i, row in zip(range(5000), cells, strict=False)]
            if not block:
                break
            writer.writerows(block)
            n += len(block)
        text.flush()
    finally:
        text.detach()
    return n


def write_rows(fmt: str, fileobj: IO[bytes], title: str, headers: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> int:
    """``fmt`` is ``xlsx`` (at most ``MAX_EXPORT_ROWS`` rows) or ``csv``; returns the rows written."""
    if fmt == "csv":
        return write_csv(fileobj, headers, rows)
    if fmt == "xlsx":
        return write_xlsx(fileobj, title, headers, rows)
    raise ValueError(f"unknown export format {fmt!r}")


def write_xlsx(fileobj: IO[bytes], sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    return write_xlsx_sheets(fileobj, [(sheet_title, headers, rows)])[0]


def write_xlsx_sheets(fileobj: IO[bytes], sheets: Iterable[Sheet]) -> list[int]:
    """Several sheets in one workbook, written one after the other (constant memory); rows per sheet."""
    wb = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "remove_timezone": True})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    counts: list[int] = []
    used: set[str] = set()
    for sheet_title, headers, rows in sheets:
        name = _sheet_name(sheet_title, used)
        counts.append(_write_sheet(wb.add_worksheet(name), headers, rows, bold, date_fmt, dt_fmt))
    wb.close()
    return counts


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'")[:31] or "Sheet"
    name, k = base, 2
    while name.lower() in used:
        suffix = f"({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(name.lower())
    return name


def _write_sheet(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], bold: Format, date_fmt: Format,
                 dt_fmt: Format) -> int:
    for c, h in enumerate(headers):
        ws.write_string(0, c, str(h), bold)
        ws.set_column(c, c, max(10, min(40, len(str(h)) * 2 + 4)))
    yes, no = _("是"), _("否")
    n = 0
    for n, row in enumerate(rows, start=1):
        if n > MAX_EXPORT_ROWS:
            break
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                ws.write_datetime(n, c, value.replace(tzinfo=None), dt_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(n, c, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif isinstance(value, bool):
                ws.write_string(n, c, yes if value else no)
            elif isinstance(value, int | float):
                ws.write_number(n, c, value)
            else:
                ws.write_string(n, c, str(neutralise(str(value))))
    ws.freeze_panes(1, 0)
    return n


def xlsx_response(filename: str, sheet_title: str, headers: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> FileResponse:
    return xlsx_sheets_response(filename, [(sheet_title, headers, rows)])


def xlsx_sheets_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    tmp = tempfile.TemporaryFile()
    write_xlsx_sheets(tmp, sheets)
    tmp.seek(0)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    resp = FileResponse(
        tmp, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return resp
