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
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from kexie.core.text import join_list
from kexie.imports.spec import IGNORED_HEADERS, Column, Spec, header_index, normalise_header

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CSV_SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 10
MAX_UNPACKED_BYTES = 4 * 1024**3  # a hard ceiling for other readers of xlsx; imports use max_unpacked_bytes()
ZIP_MAX_MEMBERS = 10_000  # an xlsx has tens of parts; a directory of millions is an attack on the zip reader
RATIO_FLOOR = 1024 * 1024  # the compression ratio is checked for parts that unpack to more than this
READ_CHUNK = 1024 * 1024
SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}(\d+))?\"")


def max_file_bytes() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_MAX_BYTES", 300 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_MAX_ROWS", 1_000_000))


def max_unpacked_bytes() -> int:
    """What a reader may have to go through: the inflated parts of an xlsx, the bytes of a CSV or .xls."""
    return int(getattr(settings, "KEXIE_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024))


def max_ratio() -> int:
    return int(getattr(settings, "KEXIE_IMPORT_MAX_RATIO", 200))


class Closable(Protocol):
    """What a table holds open: the workbook or the text file."""

    def close(self) -> None: ...


class FileError(Exception):
    """The file as a whole cannot be read; the message is for the user, in Chinese."""


def cell_text(value: object) -> str:
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
    closers: list[Closable] = field(default_factory=list)

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


def _format_of(head: bytes) -> str:
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def sniff_format(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return _format_of(f.read(8))


# -- what a file costs to read, found out before reading it -------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    """``unpacked``: the bytes a reader has to go through (the inflated parts of an xlsx, else the file
    itself); ``rows``: an upper estimate of the rows (sheet dimension, counted rows or lines), 0 if unknown."""

    format: str
    size: int
    unpacked: int
    rows: int


def _mb(n: int) -> str:
    return f"{n / 1024**2:.1f}"


def _too_big(unpacked: int, fmt: str = "xlsx") -> FileError:
    if fmt != "xlsx":  # .csv and .xls are read as they are: their bytes are the limit
        return FileError(_("文件大小 %(size)s MB 超过上限 %(max)s MB，请拆分后分批导入。")
                         % {"size": _mb(unpacked), "max": max_unpacked_bytes() // 1024**2})
    return FileError(_("文件解压后有 %(size)s MB，超过上限 %(max)s MB（数据过多，或是恶意构造的“压缩炸弹”文件），"
                       "未做任何处理。请拆分后分批导入。")
                     % {"size": _mb(unpacked), "max": max_unpacked_bytes() // 1024**2})


def _too_many_rows() -> FileError:
    return FileError(_("文件超过 %(n)s 行数据的上限，请拆分后分批导入。") % {"n": f"{max_rows():,}"})


def inspect(fileobj: BinaryIO) -> FileFacts:
    """Sizes and a row estimate from the file's bytes and (xlsx) its zip directory, without inflating
    the sheets: raises ``FileError`` when the file is over a limit (uncompressed size, compression
    ratio, number of zip parts). A file that cannot be read is not refused here: reading it says why."""
    start = fileobj.tell()
    try:
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
        fmt = _format_of(fileobj.read(8))
        fileobj.seek(0)
        if fmt == "xlsx":
            return _inspect_zip(fileobj, size)
        if size > max_unpacked_bytes():
            raise _too_big(size, fmt)
        return FileFacts(fmt, size, size, _count_lines(fileobj) if fmt == "csv" else 0)
    finally:
        fileobj.seek(start)


def _count_lines(fileobj: BinaryIO) -> int:
    n = 0
    while chunk := fileobj.read(READ_CHUNK):
        n += chunk.count(b"\n")
    return n + 1


def _zip_entries(fileobj: BinaryIO, size: int) -> int | None:
    """The number of parts from the zip's end record (read before ``zipfile`` parses the directory)."""
    tail = min(size, 65_536 + 22)
    fileobj.seek(size - tail)
    data = fileobj.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(data):
        return None
    entries: int = struct.unpack("<H", data[at + 10:at + 12])[0]
    return entries


def _inspect_zip(fileobj: BinaryIO, size: int) -> FileFacts:
    unknown = FileFacts("xlsx", size, size, 0)
    entries = _zip_entries(fileobj, size)
    if entries is None:
        return unknown
    if entries > ZIP_MAX_MEMBERS:
        raise FileError(_("Excel 文件内部的部件过多（%(n)s 个），不是正常的表格文件，未做任何处理。") % {"n": f"{entries:,}"})
    fileobj.seek(0)
    try:
        z = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return unknown
    with z:
        total = 0
        for info in z.infolist():
            if info.file_size > max_unpacked_bytes():
                raise _too_big(info.file_size)
            total += info.file_size
            if info.file_size > RATIO_FLOOR and info.file_size > max_ratio() * max(1, info.compress_size):
                raise FileError(_("Excel 文件内部数据的压缩比异常（约 %(ratio)s 倍，正常的表格一般不超过 %(max)s 倍），"
                                  "可能是恶意构造的“压缩炸弹”文件，未做任何处理。")
                                % {"ratio": f"{info.file_size // max(1, info.compress_size):,}", "max": max_ratio()})
        if total > max_unpacked_bytes():
            raise _too_big(total)
        rows = 0
        for info in z.infolist():
            if SHEET_PART.fullmatch(info.filename):
                try:
                    with z.open(info) as part:
                        found = DIMENSION.search(part.read(4096))
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, zlib.error, NotImplementedError):
                    continue
                if found:
                    rows = max(rows, int(found.group(1) or 1))
    return FileFacts("xlsx", size, total, rows)


def _verify_zip(path: str | os.PathLike[str]) -> int:
    """Inflate every part once, in chunks, up to the sizes in the zip directory (a part that inflates
    to more or less than it declares fails its CRC check) and count the rows of the sheets: the real
    sizes, not what the directory claims, before calamine unpacks anything. Returns the largest number
    of rows with cells in any sheet."""
    rows = 0
    total = 0
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                sheet = bool(SHEET_PART.fullmatch(info.filename))
                count = 0
                tail = b""
                with z.open(info) as part:
                    while chunk := part.read(READ_CHUNK):
                        total += len(chunk)
                        if total > max_unpacked_bytes():
                            raise _too_big(total)
                        if sheet:
                            data = tail + chunk
                            count += data.count(b"</row>") + data[1:].count(b":row>")
                            tail = data[-5:]
                rows = max(rows, count)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, zlib.error, NotImplementedError) as exc:
        raise FileError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")) from exc
    return rows


def _count_csv_rows(path: str | os.PathLike[str]) -> int:
    """Records, not lines (a quoted cell may hold line breaks): only asked when the lines say too many."""
    with open(path, "rb") as f:
        encoding = detect_encoding(f.read(CSV_SNIFF_BYTES))
    csv.field_size_limit(1024 * 1024)
    try:
        with open(path, encoding=encoding, newline="", errors="strict") as text:
            return sum(1 for _row in csv.reader(text))
    except (UnicodeDecodeError, csv.Error):
        return 0  # reading the file says what is wrong with it


def check_rows(rows: int) -> None:
    """Refuse a file whose row count (header and a few title rows allowed for) is over the limit."""
    if rows > max_rows() + HEADER_SEARCH_ROWS:
        raise _too_many_rows()


def open_table(path: str | os.PathLike[str], spec: Spec) -> Table:
    size = os.path.getsize(path)
    if size == 0:
        raise FileError(_("文件是空的。"))
    if size > max_file_bytes():
        raise FileError(_("文件大小 %(size)s MB 超过上限 %(max)s MB，请拆分后分批导入。")
                        % {"size": f"{size / 1024**2:.1f}", "max": max_file_bytes() // 1024**2})
    with open(path, "rb") as f:
        facts = inspect(f)
    if facts.format == "xlsx":
        check_rows(_verify_zip(path))
    elif facts.format == "csv" and facts.rows > max_rows() + HEADER_SEARCH_ROWS:
        check_rows(_count_csv_rows(path))
    if facts.format == "csv":
        return _open_csv(path, spec)
    return _open_workbook(path, facts.format, spec)


def _find_header(rows: Iterator[tuple[int, list[str]]],
                 spec: Spec) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
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


def _chain(first: list[tuple[int, list[str]]],
           rest: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def _open_workbook(path: str | os.PathLike[str], fmt: str, spec: Spec) -> Table:
    from python_calamine import CalamineError, CalamineWorkbook

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
            wb.close()
            raise FileError(_("文件中没有数据。"))
        start_row = (sheet.start or (0, 0))[0]
        raw = sheet.iter_rows()
    except CalamineError as exc:
        raise FileError(_("无法读取该 Excel 文件，文件可能已损坏、加密或格式不受支持。")) from exc
    try:
        check_rows(sheet.height)  # .xls: loaded (its bytes are the limit) but not yet turned into rows
    except FileError:
        wb.close()
        raise

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


def _open_csv(path: str | os.PathLike[str], spec: Spec) -> Table:
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
