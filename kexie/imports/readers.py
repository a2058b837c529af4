"""Files in, rows of strings out: .xlsx and .xls through python-calamine, .csv through the csv
module with the encoding detected (UTF-8 with or without BOM, else GB18030).

Every cell becomes a stripped string, whatever the source type, so that one set of parsers in
``validate.py`` sees the same thing from every format: integral numbers without ``.0``, dates and
date-times as ISO text, numbers with their text (an Excel serial date in a date column is turned
into a date by the date parser, not here). Rows are produced one at a time; nothing here holds
more than one row of Python objects (calamine keeps the sheet itself in compact native memory,
see docs/decisions/0006-spreadsheet-import.md).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from kexie.core.text import join_list
from kexie.imports.spec import IGNORED_HEADERS, Column, Spec, header_index, normalise_header

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSV_SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 10
MAX_UNPACKED_BYTES = 4 * 1024**3  # a zip bomb stops here, before calamine unpacks it


def max_file_bytes() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_MAX_BYTES", 300 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_MAX_ROWS", 1_048_575))


class FileError(Exception):
    """The file as a whole cannot be read; the message is for the user, in Chinese."""


def cell_text(value) -> str:
    """One calamine cell value as the string a person sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper() if "e" in repr(value) else repr(value)
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class Table:
    """A sheet or CSV file: its header row (1-based ``header_row``) and an iterator of data rows."""

    format: str
    header: list[str]
    header_row: int
    estimated_rows: int
    _rows: Iterator[tuple[int, list[str]]]
    sheet_name: str = ""
    encoding: str = ""
    closers: list = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) for every non-blank row after the header."""
        limit = max_rows()
        n = 0
        for number, cells in self._rows:
            if not any(cells):
                continue
            n += 1
            if n > limit:
                raise FileError(_("文件超过 %(n)s 行数据的上限，请拆分后分批导入。") % {"n": f"{limit:,}"})
            yield number, cells

    def close(self) -> None:
        """Close the file and drop the row iterator, which holds the loaded sheet."""
        self._rows = iter(())
        for c in self.closers:
            c.close()
        self.closers = []


def sniff_format(path: str | os.PathLike) -> str:
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def open_table(path: str | os.PathLike, spec: Spec) -> Table:
    size = os.path.getsize(path)
    if size == 0:
        raise FileError(_("文件是空的。"))
    if size > max_file_bytes():
        raise FileError(_("文件大小 %(size)s MB 超过上限 %(max)s MB，请拆分后分批导入。")
                        % {"size": f"{size / 1024**2:.1f}", "max": max_file_bytes() // 1024**2})
    fmt = sniff_format(path)
    if fmt == "csv":
        return _open_csv(path, spec)
    return _open_workbook(path, fmt, spec)


def _find_header(rows: Iterator[tuple[int, list[str]]], spec: Spec) -> tuple[int, list[str], list]:
    """The header is the first of the top rows that names the most known columns (a title line
    above the header, as staff often add, is skipped). Returns the rows read past the header."""
    index = header_index(spec)
    seen: list[tuple[int, list[str]]] = []
    best: tuple[int, int] = (0, -1)
    for number, cells in rows:
        seen.append((number, cells))
        hits = sum(1 for c in cells if normalise_header(c) in index)
        if hits > best[0]:
            best = (hits, len(seen) - 1)
        if len(seen) >= HEADER_SEARCH_ROWS or (hits and hits >= max(2, len([c for c in cells if c]) // 2)):
            break
    if best[1] < 0:
        raise FileError(_("没有找到表头：请使用下载的导入模板，表头应包含“%(cols)s”等列。")
                        % {"cols": join_list(c.header for c in spec.columns if c.required)})
    number, header = seen[best[1]]
    return number, header, seen[best[1] + 1:]


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _open_workbook(path, fmt: str, spec: Spec) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                unpacked = sum(i.file_size for i in z.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise FileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")) from exc
        if unpacked > MAX_UNPACKED_BYTES:
            raise FileError(_("Excel 文件解压后过大，请拆分后分批导入。"))
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = [m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible") and "Hidden" not in str(m.visible)] or wb.sheet_names
        sheet = None
        for name in names:  # the first visible sheet that has data; template explanation sheets come later
            candidate = wb.get_sheet_by_name(name)
            if candidate.height:
                sheet = candidate
                break
        if sheet is None:
            raise FileError(_("文件中没有数据。"))
        start_row = (sheet.start or (0, 0))[0]
        raw = sheet.iter_rows()
    except CalamineError as exc:
        raise FileError(_("无法读取该 Excel 文件，文件可能已损坏、加密或格式不受支持。")) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for i, values in enumerate(raw, start=start_row + 1):
                yield i, [cell_text(v) for v in values]
        except CalamineError as exc:
            raise FileError(_("读取 Excel 文件时出错，文件可能已损坏。")) from exc

    it = rows()
    header_row, header, pending = _find_header(it, spec)
    return Table(fmt, header, header_row, max(0, sheet.height - (header_row - start_row)), _chain(pending, it),
                 sheet_name=sheet.name, closers=[wb])


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _open_csv(path, spec: Spec) -> Table:
    with open(path, "rb") as f:
        head = f.read(CSV_SNIFF_BYTES)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(_("无法识别的文件格式：请上传 .xlsx、.xls 或 .csv 文件。"))
    encoding = detect_encoding(head)
    binary = open(path, "rb")  # noqa: SIM115 - closed by Table.close()
    text = io.TextIOWrapper(binary, encoding=encoding, newline="", errors="strict")
    first_line = head.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    csv.field_size_limit(1024 * 1024)
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, values in enumerate(reader, start=1):
                yield number, [v.strip() for v in values]
        except UnicodeDecodeError as exc:
            raise FileError(_("第 %(row)s 行附近有无法识别的文字编码：请将文件另存为 UTF-8 或 GB18030 编码的 CSV。")
                            % {"row": number + 1}) from exc
        except csv.Error as exc:
            raise FileError(_("CSV 文件格式有误（第 %(row)s 行附近）：%(err)s") % {"row": number + 1, "err": exc}) from exc

    it = rows()
    try:
        header_row, header, pending = _find_header(it, spec)
    except FileError:
        text.close()
        raise
    size = os.path.getsize(path)
    line_bytes = max(1, len(head) // max(1, head.count(b"\n")))
    return Table("csv", header, header_row, size // line_bytes, _chain(pending, it), encoding=encoding,
                 closers=[text])


@dataclass
class Mapping:
    """Which spreadsheet column feeds which spec column."""

    columns: list[tuple[int, Column]]
    unknown: list[str]

    @property
    def keys(self) -> set[str]:
        return {c.key for _, c in self.columns}


def map_headers(header: list[str], spec: Spec) -> Mapping:
    index = header_index(spec)
    used: dict[str, str] = {}
    columns: list[tuple[int, Column]] = []
    unknown: list[str] = []
    for i, text in enumerate(header):
        key = normalise_header(text)
        if not key or text in IGNORED_HEADERS or key in {normalise_header(h) for h in IGNORED_HEADERS}:
            continue
        col = index.get(key)
        if col is None:
            unknown.append(text)
            continue
        if col.key in used:
            raise FileError(_("“%(a)s”和“%(b)s”两列都表示“%(c)s”，请只保留一列。")
                            % {"a": used[col.key], "b": text, "c": col.header})
        used[col.key] = text
        columns.append((i, col))
    missing = [c.header for c in spec.columns if c.required and c.key not in used]
    if missing:
        raise FileError(_("缺少必填列：%(cols)s。请使用下载的导入模板。") % {"cols": join_list(missing)})
    return Mapping(columns, unknown)
